#!/usr/bin/python3
"""Validates a Fiscal Data Package written by `budgetctl export fdp`
against the descriptor rules of the Fiscal Data Package specification
(required properties; every measure and dimension attribute mapped onto a
CSV column that exists, of the right type; labelfor, parent and primaryKey
naming attributes of their own dimension; the enumerations), and checks
that the CSV's sums equal `budgetctl totals --json` on the same daemon, to
the 分, by kind, by department and by function 类.

usage: check_fdp.py BUDGETCTL DIR YEAR     (exit 0 when every check passes)"""
import csv
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

ctl, root, year = sys.argv[1], sys.argv[2], int(sys.argv[3])
failures = []


def fail(what):
    failures.append(what)


dp = json.load(open(os.path.join(root, "datapackage.json"), encoding="utf-8"))
for key in ("name", "title", "resources", "model"):
    if key not in dp:
        fail(f"descriptor: no {key!r}")
if not re.fullmatch(r"[-a-z0-9._/]+", dp.get("name", "")):
    fail(f"descriptor: name {dp.get('name')!r} is not a lower-case identifier")
period = dp.get("fiscalPeriod", {})
if period.get("start") != f"{year}-01-01" or period.get("end") != f"{year}-12-31":
    fail(f"fiscalPeriod {period!r}")
if not re.fullmatch(r"[A-Z]{2}", dp.get("countryCode", "")):
    fail(f"countryCode {dp.get('countryCode')!r}")

fields = {}  # resource → {field name: type}
rows = {}  # resource → list of dicts
resources = dp.get("resources") or []
if not resources:
    fail("descriptor: no resources")
for res in resources:
    name, path = res.get("name"), res.get("path")
    if not name or not path:
        fail(f"resource {res!r} without name or path")
        continue
    schema_fields = res.get("schema", {}).get("fields", [])
    fields[name] = {f["name"]: f.get("type", "string") for f in schema_fields}
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        fail(f"resource {name}: no file {path}")
        continue
    with open(full, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != [f["name"] for f in schema_fields]:
            fail(f"resource {name}: CSV header {reader.fieldnames} is not the schema's fields")
        rows[name] = list(reader)
    for pk in res.get("schema", {}).get("primaryKey", []):
        if pk not in fields[name]:
            fail(f"resource {name}: primaryKey {pk!r} is no field")
default_resource = resources[0].get("name") if resources else None


def column(where, spec):
    """The (resource, field) an attribute or measure maps onto."""
    resource = spec.get("resource", default_resource)
    if resource not in fields:
        fail(f"{where}: resource {resource!r} does not exist")
        return None
    if "source" not in spec:
        if "constant" not in spec:
            fail(f"{where}: neither source nor constant")
        return None
    if spec["source"] not in fields[resource]:
        fail(f"{where}: source {spec['source']!r} is no column of {resource}")
        return None
    return resource, spec["source"]


model = dp.get("model", {})
measures = model.get("measures") or {}
if not measures:
    fail("model: no measures")
for name, m in measures.items():
    at = column(f"measure {name}", m)
    if at and fields[at[0]][at[1]] not in ("number", "integer"):
        fail(f"measure {name}: column {at[1]} is {fields[at[0]][at[1]]}, not a number")
    if not re.fullmatch(r"[A-Z]{3}", m.get("currency", "")):
        fail(f"measure {name}: currency {m.get('currency')!r} is no ISO 4217 code")
    if m.get("direction", "expenditure") not in ("expenditure", "revenue"):
        fail(f"measure {name}: direction {m.get('direction')!r}")
    if m.get("phase", "proposed") not in ("proposed", "approved", "adjusted", "executed"):
        fail(f"measure {name}: phase {m.get('phase')!r}")
dimensions = model.get("dimensions") or {}
if not dimensions:
    fail("model: no dimensions")
dimension_types = {"datetime", "entity", "classification", "activity", "fact", "location", "other"}
for name, d in dimensions.items():
    attributes = d.get("attributes") or {}
    if not attributes:
        fail(f"dimension {name}: no attributes")
    for a, spec in attributes.items():
        column(f"dimension {name}.{a}", spec)
        for ref in ("labelfor", "parent"):
            if ref in spec and spec[ref] not in attributes:
                fail(f"dimension {name}.{a}: {ref} {spec[ref]!r} is no attribute of {name}")
    pk = d.get("primaryKey")
    for k in [pk] if isinstance(pk, str) else pk or []:
        if k not in attributes:
            fail(f"dimension {name}: primaryKey {k!r} is no attribute")
    if not pk:
        fail(f"dimension {name}: no primaryKey")
    if d.get("dimensionType", "other") not in dimension_types:
        fail(f"dimension {name}: dimensionType {d.get('dimensionType')!r}")
    if d.get("dimensionType") == "classification":
        if d.get("classificationType") not in ("functional", "administrative", "economic"):
            fail(f"dimension {name}: classificationType {d.get('classificationType')!r}")
        if "code" not in attributes:
            fail(f"dimension {name}: a classification without a code attribute")
types = {d.get("classificationType") for d in dimensions.values()}
for t in ("functional", "administrative", "economic"):
    if t not in types:
        fail(f"no {t} classification dimension")

# ---- the figures against the daemon ----


def totals(by):
    args = [ctl, "--json", "totals", "--by", by, "--year", str(year), "--unit", "元"]
    return json.loads(subprocess.run(args, check=True, capture_output=True).stdout)


facts = rows.get("expenditure", [])
kinds = [m for m in measures if m != "amount"]
by_kind, by_department, by_class = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
total = Decimal(0)
for i, r in enumerate(facts):
    parts = sum(Decimal(r[m]) for m in kinds)
    if parts != Decimal(r["amount"]):
        fail(f"row {i + 2}: the kinds sum to {parts}, amount says {r['amount']}")
    for m in kinds:
        by_kind[m] += Decimal(r[m])
    by_department[r["department_code"]] += Decimal(r["amount"])
    by_class[r["function_class_code"]] += Decimal(r["amount"])
    total += Decimal(r["amount"])
    item, section, cls = r["function_item_code"], r["function_section_code"], r["function_class_code"]
    if item != "-" and not (item.startswith(section) and section.startswith(cls)):
        fail(f"row {i + 2}: {cls} / {section} / {item} is no 类/款/项 path")
    if r["economic_class_code"] != "-" and any(Decimal(r[m]) for m in kinds if m.startswith("project")):
        fail(f"row {i + 2}: project spending under economic class {r['economic_class_code']}")
    if int(r["fiscal_year"]) != year:
        fail(f"row {i + 2}: fiscal_year {r['fiscal_year']}")
    if r["department_name"] == "":
        fail(f"row {i + 2}: department {r['department_code']} has no name")

compared = 0
want = totals("kind")
if Decimal(want["total"]) != total:
    fail(f"CSV total {total}, totals op {want['total']}")
for row in want["rows"]:
    measure = row["key"]["kind"].replace(".", "_")
    compared += 1
    if by_kind[measure] != Decimal(row["amount"]):
        fail(f"measure {measure}: CSV {by_kind[measure]}, totals op {row['amount']}")
for dim, got in (("department", by_department), ("function:class", by_class)):
    reply = totals(dim)
    seen = set()
    for row in reply["rows"]:
        key = row["key"][dim]
        seen.add(key)
        compared += 1
        if got[key] != Decimal(row["amount"]):
            fail(f"{dim} {key}: CSV {got[key]}, totals op {row['amount']}")
    for key in got:
        if key not in seen and key != "-" and got[key] != 0:
            fail(f"{dim} {key}: in the CSV ({got[key]}) but not in the totals")

for f in failures[:40]:
    print("check_fdp:", f)
print(f"check_fdp: {root}: {len(facts)} rows, {len(measures)} measures, {len(dimensions)} "
      f"dimensions, {compared} sums compared with the totals op, {len(failures)} failures")
sys.exit(1 if failures or not facts else 0)
