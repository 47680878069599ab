"""floorcoach: log on-the-floor observations, coach, and follow trends in the terminal."""

__version__ = "0.1.0"
