#!/usr/bin/python3
"""Reads a district workbook back with openpyxl (a reader budgetd does not
share) and checks every numeric cell against `budgetctl totals --json` on
the same daemon, to the 分.

usage: check_workbook.py BUDGETCTL FILE.xlsx YEAR UNIT
Exit 0 when every check passes; prints each failure and the counts."""
import json
import subprocess
import sys
from decimal import Decimal

import openpyxl

ctl, path, year, unit = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
scale = Decimal(100) if unit == "元" else Decimal(1000000)
failures = []
checked = 0


def totals(by, where=None):
    args = [ctl, "--json", "totals", "--by", ",".join(by), "--year", str(year), "--unit", unit]
    if where:
        args += ["--where", where]
    reply = json.loads(subprocess.run(args, check=True, capture_output=True).stdout)
    return reply


def sums(reply, dim):
    """key → [total, basic, personnel, public, project] in exact decimals."""
    out = {}
    for row in reply["rows"]:
        k = row["key"][dim]
        kind = row["key"]["kind"]
        a = Decimal(row["amount"])
        cell = out.setdefault(k, [Decimal(0)] * 5)
        cell[0] += a
        if kind.startswith("basic."):
            cell[1] += a
            if kind == "basic.personnel":
                cell[2] += a
            elif kind == "basic.public":
                cell[3] += a
        else:
            cell[4] += a
    return out


def check_cell(where, cell, want):
    global checked
    checked += 1
    if cell.data_type != "n" or isinstance(cell.value, str):
        failures.append(f"{where}: {cell.coordinate} is {cell.data_type!r}, not a number")
        return
    got = cell.value
    # The cell holds the double nearest the exact amount, so that a display
    # of up to 15 significant digits shows the amount exactly.
    if got != float(want):
        failures.append(f"{where}: {cell.coordinate} = {got!r}, want {want}")
    elif Decimal("%.15g" % got) != want:
        failures.append(f"{where}: {cell.coordinate} shows {'%.15g' % got}, want {want}")
    decimals = cell.number_format.split(".")[-1] if "." in cell.number_format else ""
    if len(decimals) < 2 or (want * (10 ** len(decimals))) % 1 != 0:
        failures.append(f"{where}: {cell.coordinate} format {cell.number_format!r} cannot show {want}")


book = openpyxl.load_workbook(path)
want_sheets = ["一般公共预算支出", "支出总表", "财政拨款支出", "政府性基金支出", "其他资金支出",
               "经济分类", "部门", "三公经费", "上年对比"]
if book.sheetnames != want_sheets:
    failures.append(f"sheets {book.sheetnames}, want {want_sheets}")

function_cuts = {
    "一般公共预算支出": "source:general_budget",
    "支出总表": None,
    "财政拨款支出": "source:general_budget,fund_budget,state_capital",
    "政府性基金支出": "source:fund_budget",
    "其他资金支出": "source:special_account,business,operating,superior_subsidy,affiliated,other",
}
levels = {3: "function:class", 5: "function:section", 7: "function:item"}
for tab, cut in function_cuts.items():
    ws = book[tab]
    heads = [ws.cell(4, c).value or ws.cell(3, c).value for c in range(1, 8)]
    if heads[2:] != ["合计", "小计", "人员经费", "公用经费", "项目支出"] or ws.cell(3, 4).value != "基本支出":
        failures.append(f"{tab}: heading rows {heads}")
    if ws.freeze_panes != "C5":
        failures.append(f"{tab}: frozen at {ws.freeze_panes}, want C5")
    if "单位" not in (ws.cell(2, 1).value or "") or unit not in ws.cell(2, 1).value:
        failures.append(f"{tab}: no unit line")
    want = {n: sums(totals([dim, "kind"], cut), dim) for n, dim in levels.items()}
    grand = totals(["kind"], cut)
    seen = {n: set() for n in levels}
    rows = 0
    for r in range(5, ws.max_row + 1):
        code = ws.cell(r, 1).value or ""
        if r == 5:
            if ws.cell(r, 2).value != "合计":
                failures.append(f"{tab}: row 5 is not the total row")
            g = [Decimal(0)] * 5
            for row in grand["rows"]:
                a = Decimal(row["amount"])
                k = row["key"]["kind"]
                g[0] += a
                if k.startswith("basic."):
                    g[1] += a
                    g[2] += a if k == "basic.personnel" else 0
                    g[3] += a if k == "basic.public" else 0
                else:
                    g[4] += a
            for c in range(5):
                check_cell(f"{tab} total", ws.cell(r, 3 + c), g[c])
            continue
        rows += 1
        if len(code) not in levels or code not in want[len(code)]:
            failures.append(f"{tab}: row {r} code {code!r} is not a key of the totals")
            continue
        seen[len(code)].add(code)
        bold = ws.cell(r, 2).font.b
        if (len(code) < 7) != bool(bold):
            failures.append(f"{tab}: row {r} {code} subtotal bold={bold}")
        for c in range(5):
            check_cell(f"{tab} {code}", ws.cell(r, 3 + c), want[len(code)][code][c])
    for n in levels:
        if seen[n] != set(want[n]):
            failures.append(f"{tab}: codes of length {n} missing: {sorted(set(want[n]) - seen[n])}")

# Departments: each department row against the totals by department.
ws = book["部门"]
dept = sums(totals(["department", "kind"]), "department")
parent = sums(totals(["parent", "kind"]), "parent")
n_dept = 0
for r in range(6, ws.max_row + 1):
    code = ws.cell(r, 1).value or ""
    table = dept if not ws.cell(r, 2).font.b else parent
    if code not in table:
        failures.append(f"部门: row {r} code {code!r} not in the totals")
        continue
    n_dept += table is dept
    for c, idx in enumerate((0, 1, 4)):
        check_cell(f"部门 {code}", ws.cell(r, 3 + c), table[code][idx])
if n_dept != len(dept):
    failures.append(f"部门: {n_dept} department rows, the totals have {len(dept)}")

# 三公经费 against the three_public op.
tp = json.loads(subprocess.run([ctl, "--json", "three-public", "--by", "department", "--year", str(year)],
                               check=True, capture_output=True).stdout)
tp_unit = tp.get("unit", "万元")
ws = book["三公经费"]
by_code = {row["department"]: row for row in tp["rows"]}
for r in range(6, ws.max_row + 1):
    row = by_code.get(ws.cell(r, 1).value)
    if row is None:
        failures.append(f"三公经费: row {r} not in the three_public op")
        continue
    for c, key in enumerate(("total", "overseas", "reception", "vehicle_purchase", "vehicle_operation")):
        want = Decimal(row[key])
        if tp_unit != unit:
            want = want * 10000 if tp_unit == "万元" else want / 10000
        check_cell(f"三公经费 {row['department']}", ws.cell(r, 3 + c), want)
if ws.max_row - 5 != len(tp["rows"]):
    failures.append(f"三公经费: {ws.max_row - 5} department rows, the op has {len(tp['rows'])}")
# Its 合计 row against the op's sum for the year.
tp_year = json.loads(subprocess.run([ctl, "--json", "three-public", "--year", str(year)],
                                    check=True, capture_output=True).stdout)
for c, key in enumerate(("total", "overseas", "reception", "vehicle_purchase", "vehicle_operation")):
    want = sum((Decimal(row[key]) for row in tp_year["rows"]), Decimal(0))
    if tp_unit != unit:
        want = want * 10000 if tp_unit == "万元" else want / 10000
    check_cell(f"三公经费 合计 {key}", ws.cell(5, 3 + c), want)

# Against the year before.
ws = book["上年对比"]
ch = json.loads(subprocess.run([ctl, "--json", "totals", "--by", "function:class", "--year", str(year),
                                "--unit", unit, "--change"], check=True, capture_output=True).stdout)
check_cell("上年对比 total", ws.cell(5, 3), Decimal(ch["total"]))
check_cell("上年对比 previous total", ws.cell(5, 4), Decimal(ch["previous_total"]))
for i, row in enumerate(ch["rows"]):
    r = 6 + i
    if ws.cell(r, 1).value != row["key"]["function:class"]:
        failures.append(f"上年对比: row {r} is {ws.cell(r, 1).value}, want {row['key']['function:class']}")
        continue
    check_cell("上年对比", ws.cell(r, 3), Decimal(row["amount"]))
    check_cell("上年对比", ws.cell(r, 4), Decimal(row["previous"]))
    check_cell("上年对比", ws.cell(r, 5), Decimal(row["change"]))

props = book.properties
if not props.title or props.creator != "budgetd":
    failures.append(f"document properties: title {props.title!r}, creator {props.creator!r}")
ws = book["一般公共预算支出"]
if ws.page_setup.orientation != "landscape" or str(ws.page_setup.paperSize) != "9":
    failures.append(f"print set-up: {ws.page_setup.orientation}, paper {ws.page_setup.paperSize}")

for f in failures:
    print("FAIL:", f)
print(f"{checked} numeric cells checked, {len(failures)} failures")
sys.exit(1 if failures or checked == 0 else 0)
