#!/usr/bin/env python3
"""A budget of department CODE under PARENT, made from the 2023 sample
with DELTA 万元 added to each of two basic lines (住房公积金 and
养老保险缴费) and every total the change moves, so that the document
still audits clean.  Prints the document's whole expenditure in 元."""
import json
import sys
from decimal import Decimal

sample, code, parent, delta, out = sys.argv[1:6]
delta = Decimal(delta)
d = json.load(open(sample, encoding="utf-8"))
d["department"] = {"code": code, "name": "测试单位" + code, "parent": parent}
d.pop("narrative", None)


def add(obj, key, amount):
    obj[key] = str(Decimal(obj[key]) + amount)


moved = Decimal(0)
for line in d["expenditure"]:
    if line["function"] in ("2210201", "2080505"):
        add(line["basic"], "wages", delta)
        add(line, "total", delta)
        moved += delta
        cls = line["function"][:3]
        for s in (d["stated"], d["stated"]["appropriation"]):
            add(s["expenditure_by_class"], cls, delta)
for s in (d["stated"], d["stated"]["appropriation"]):
    add(s, "income_total", moved)
    add(s, "expenditure_total", moved)
for k in ("basic_total", "personnel_total"):
    add(d["stated"], k, moved)
add(d["income"], "general_budget", moved)
json.dump(d, open(out, "w", encoding="utf-8"), ensure_ascii=False)
total = sum(Decimal(l["total"]) for l in d["expenditure"])
print(f"{total * 10000:.2f}")
