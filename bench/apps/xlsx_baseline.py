"""The XLSX export's baseline: XlsxWriter (constant_memory, as floorcoach uses it) writing the
same typed cells straight from one cursor, and nothing else: no filters checked, no row
count, no About sheet, no temporary name. `python xlsx_baseline.py DB OUT.xlsx SQL KINDS`,
where KINDS holds each column's cell type (text, number, date, datetime, boolean) and SQL
selects the header's columns in order."""

from __future__ import annotations

import sqlite3
import sys

import xlsxwriter

if __name__ == "__main__":
    database, out, sql, kinds_text = sys.argv[1:5]
    kinds = kinds_text.split(",")
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    cursor = conn.execute(sql)
    header = [d[0] for d in cursor.description]
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet("observations")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.freeze_panes(1, 0)
    for c, name in enumerate(header):
        sheet.write_string(0, c, name)
    columns = {kind: [c for c, k in enumerate(kinds) if k == kind] for kind in set(kinds)}
    text, numbers = columns.get("text", []), columns.get("number", [])
    dates, times, flags = (
        columns.get("date", []),
        columns.get("datetime", []),
        columns.get("boolean", []),
    )
    write_string, write_number, write_boolean = (
        sheet.write_string,
        sheet.write_number,
        sheet.write_boolean,
    )
    r = 0
    while rows := cursor.fetchmany(4000):
        for row in rows:
            r += 1
            for c in text:
                if row[c]:
                    write_string(r, c, row[c])
            for c in numbers:
                if row[c] is not None:
                    write_number(r, c, row[c])
            for c in dates:
                if row[c] is not None:
                    write_number(r, c, row[c], day)
            for c in times:
                if row[c] is not None:
                    write_number(r, c, row[c], moment)
            for c in flags:
                write_boolean(r, c, bool(row[c]))
    sheet.autofilter(0, 0, r, len(header) - 1)
    workbook.close()
    print(r)
