"""floorcoach's benchmark suite: `python -m bench` (or `make bench`).

Every figure is the median of several runs, measured next to a baseline in the same run
(a minimal Textual app, plain sqlite3, the `sqlite3` command line), and reported as a
ratio against its target in docs/performance.md. See bench/__main__.py for the options.
"""
