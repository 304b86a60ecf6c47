#!/usr/bin/python3
"""Compares two budget-submission/1 documents figure by figure, reading
every amount as an exact decimal of its document's unit (so "438300" and
"438300.00" agree, 1 万元 and 10000 元 agree): department, year, income by
source, every expenditure line with its columns, economic rows, 三公 parts,
projects with their sources and targets, and the stated totals.

usage: same_document.py A.json B.json     (exit 0 when they agree)"""
import json
import sys
from decimal import Decimal


def fen(value, unit):
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: fen(v, unit) for k, v in value.items()}
    scale = Decimal(100) if unit == "元" else Decimal(1000000)
    exact = Decimal(str(value)) * scale
    return int(exact) if exact == int(exact) else exact


def normal(doc):
    unit = doc.get("unit", "万元")
    tp = dict(doc.get("three_public") or {})
    tp_unit = tp.pop("unit", unit)
    lines = sorted(
        (l["function"], l.get("source", "general_budget"), l.get("name", ""),
         json.dumps(fen({k: l[k] for k in ("basic", "project", "total") if k in l}, unit),
                    sort_keys=True, default=str))
        for l in doc.get("expenditure", []))
    projects = sorted(
        (p.get("code", ""), p["name"], p.get("function", ""),
         json.dumps(fen(p.get("sources", {}), unit), sort_keys=True, default=str),
         str(fen(p.get("total"), unit)),
         json.dumps(sorted((i.get("category"), i.get("name"), i.get("value"))
                           for i in p.get("indicators", [])), ensure_ascii=False))
        for p in doc.get("projects", []))
    return {
        "department": (doc["department"]["code"], doc["department"]["name"]),
        "year": doc["year"],
        "income": fen(doc.get("income", {}), unit),
        "expenditure": lines,
        "economic": sorted((e["code"], e["name"], fen(e["amount"], unit))
                           for e in doc.get("economic", [])),
        "three_public": {k: fen(v, tp_unit) for k, v in tp.items()},
        "projects": projects,
        "stated": fen(doc.get("stated", {}), unit),
    }


a, b = (normal(json.load(open(p, encoding="utf-8"))) for p in sys.argv[1:3])
differences = [k for k in a if a[k] != b[k]]
for k in differences:
    print(f"same_document: {k} differs:\n  {a[k]}\n  {b[k]}")
count = len(a["expenditure"]) + len(a["projects"]) + len(a["economic"])
print(f"same_document: {count} lines, projects and economic rows compared, "
      f"{len(differences)} parts differ")
sys.exit(1 if differences else 0)
