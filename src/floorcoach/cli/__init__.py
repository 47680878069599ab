"""The `floorcoach` command: the TUI by default, headless subcommands for HR and scripts.

`entry` parses and runs a command behind the guards every command shares; `shared` is
the public toolkit of the command modules; every other module here is one feature's
commands, found by name (each has `register(commands)`).
"""

from floorcoach.cli.entry import main

__all__ = ["main"]
