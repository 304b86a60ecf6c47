#!/usr/bin/python3
"""Reads a department's publication workbook back with openpyxl and checks
it, cell by cell, against the text export of the same revision: every
table is a sheet, every text cell holds the same text, every amount is a
number (never text) holding the double nearest the exact figure, shown
with enough decimals, and the standard tables are all there.

usage: check_publication.py FILE.xlsx FILE.txt UNIT TABLE...
(TABLE: a table title the workbook must have, without its year)
Exit 0 when every check passes; prints each failure and the counts."""
import re
import sys
from decimal import Decimal

import openpyxl

path, text_path, unit = sys.argv[1], sys.argv[2], sys.argv[3]
required = sys.argv[4:]
failures = []
amounts = texts = 0
amount_re = re.compile(r"^-?\d+\.\d{2,6}$")

book = openpyxl.load_workbook(path)
with open(text_path, encoding="utf-8") as f:
    tables = f.read().split("\f")[1:]

titles = []
for table in tables:
    lines = [l for l in table.split("\n") if l != ""]
    title = lines[0]
    name = re.sub(r"^\d{4}年", "", title)[:31]
    titles.append(name)
    if name not in book.sheetnames:
        failures.append(f"no sheet {name!r} for table {title!r}")
        continue
    ws = book[name]
    if ws["A1"].value != title:
        failures.append(f"{name}: title {ws['A1'].value!r}, want {title!r}")
    meta = [l for l in lines[1:] if l.startswith(("部门名称：", "单位："))]
    if ws["A2"].value != meta[0] or meta[1] != f"单位：{unit}":
        failures.append(f"{name}: meta line {ws['A2'].value!r} / {meta!r}")
    grid = [l.split("\t") for l in lines[1:] if not l.startswith(("部门名称：", "单位："))]
    if ws.freeze_panes is None:
        failures.append(f"{name}: headings not frozen")
    if ws.print_title_rows is None:
        failures.append(f"{name}: heading rows not repeated when printed")
    if ws.page_setup.orientation != "landscape" or str(ws.page_setup.paperSize) != "9":
        failures.append(f"{name}: not A4 landscape")
    merged = {}
    for rng in ws.merged_cells.ranges:
        for row in range(rng.min_row, rng.max_row + 1):
            for col in range(rng.min_col, rng.max_col + 1):
                merged[(row, col)] = (rng.min_row, rng.min_col)
    for r, cells in enumerate(grid):
        for c, want in enumerate(cells):
            cell = ws.cell(row=3 + r, column=1 + c)
            at = f"{name}!{cell.coordinate}"
            origin = merged.get((cell.row, cell.column))
            if origin and origin != (cell.row, cell.column):
                # Inside a merged heading: the text stands in its first cell.
                if want != "":
                    failures.append(f"{at}: {want!r} hidden in a merged cell")
                continue
            if amount_re.match(want) and cell.data_type == "n" and cell.value is not None:
                amounts += 1
                exact = Decimal(want)
                if cell.value != float(exact) or Decimal("%.15g" % cell.value) != exact:
                    failures.append(f"{at} = {cell.value!r}, want {want}")
                decimals = len(want.split(".")[1].rstrip("0"))
                shown = cell.number_format.split(".")[-1].count("0") if "." in cell.number_format else 0
                if shown < decimals:
                    failures.append(f"{at}: format {cell.number_format!r} cannot show {want}")
                continue
            texts += 1
            got = "" if cell.value is None else cell.value
            if amount_re.match(want) and not isinstance(got, str):
                pass
            if isinstance(got, (int, float)):
                failures.append(f"{at}: {got!r} is a number where the table prints text {want!r}")
            elif got != want:
                failures.append(f"{at}: {got!r}, want {want!r}")
            elif amount_re.match(want) and r > 1:
                # An amount may be text only as a heading: none is.
                failures.append(f"{at}: the amount {want} is text, not a number")

for want in required:
    if want not in titles:
        failures.append(f"the text export has no table {want!r}")
    if want not in book.sheetnames:
        failures.append(f"the workbook has no sheet {want!r}")
if book.sheetnames[0] != "封面":
    failures.append(f"the first sheet is {book.sheetnames[0]!r}, not the cover")
if len(book.sheetnames) != len(tables) + 1:
    failures.append(f"{len(book.sheetnames)} sheets for {len(tables)} tables and a cover")
props = book.properties
if not props.title or props.creator != "budgetd":
    failures.append(f"document properties: title {props.title!r}, creator {props.creator!r}")

for f in failures[:40]:
    print("check_publication:", f)
print(f"check_publication: {path}: {len(tables)} tables, {amounts} amounts and {texts} "
      f"text cells checked, {len(failures)} failures")
sys.exit(1 if failures or amounts == 0 else 0)
