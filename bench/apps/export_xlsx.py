"""Run floorcoach's observations export as a workbook in a process of its own (the benchmark
reads its peak memory from the operating system): `python export_xlsx.py DB OUT.xlsx`."""

from __future__ import annotations

import sys

from floorcoach.store import Store
from floorcoach.xlsx_export import write_workbook

if __name__ == "__main__":
    with Store.open(sys.argv[1], create=False) as store:
        rows = write_workbook(store, "observations", sys.argv[2])
    print(rows)
