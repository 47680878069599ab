"""Run floorcoach's observations export in a process of its own (the benchmark reads its
peak memory from the operating system): `python export_observations.py DB OUT.csv`."""

from __future__ import annotations

import sys

from floorcoach.export import write_export
from floorcoach.store import Store

if __name__ == "__main__":
    with Store.open(sys.argv[1], create=False) as store:
        rows = write_export(store, "observations", sys.argv[2])
    print(rows)
