#!/usr/bin/env python3
"""A strict reading of the Prometheus text exposition format (0.0.4), for
where promtool is not installed: every sample belongs to a family declared
once by # HELP and # TYPE before it; names and labels are well formed;
values are numbers; counters are named _total; a histogram's buckets are
cumulative, end in le="+Inf" and agree with its _count; no series twice.
check_metrics.py FILE: prints the problems, exits 1 if there are any."""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"^({NAME})(\{{(.*)\}})? (\S+)( -?\d+)?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"')
problems = []
families = {}  # name -> type
helped = set()
seen = set()
histograms = {}  # (family, labels without le) -> [(le, value)], count


def value_of(text, line):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    try:
        return float(text)
    except ValueError:
        problems.append(f"line {line}: value {text!r} is not a number")
        return math.nan


def family_of(name):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)] if name.endswith(suffix) else None
        if base and families.get(base) in ("histogram", "summary"):
            return base, suffix
    return name, ""


for n, raw in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = raw.rstrip("\n")
    if not line:
        continue
    if line.startswith("# HELP "):
        parts = line.split(" ", 3)
        if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
            problems.append(f"line {n}: malformed HELP")
        elif parts[2] in helped:
            problems.append(f"line {n}: second HELP for {parts[2]}")
        helped.add(parts[2] if len(parts) > 2 else "")
        continue
    if line.startswith("# TYPE "):
        parts = line.split(" ")
        if len(parts) != 4 or parts[3] not in (
                "counter", "gauge", "histogram", "summary", "untyped"):
            problems.append(f"line {n}: malformed TYPE")
            continue
        if parts[2] in families:
            problems.append(f"line {n}: second TYPE for {parts[2]}")
        families[parts[2]] = parts[3]
        if parts[3] == "counter" and not parts[2].endswith("_total"):
            problems.append(f"line {n}: counter {parts[2]} is not named _total")
        continue
    if line.startswith("#"):
        continue
    m = SAMPLE.match(line)
    if not m:
        problems.append(f"line {n}: not a sample: {line!r}")
        continue
    name, _, labels_text, value_text, _ = m.groups()
    labels = {}
    if labels_text:
        rest = LABEL.sub("", labels_text).replace(",", "").strip()
        if rest:
            problems.append(f"line {n}: malformed labels {labels_text!r}")
        labels = dict(LABEL.findall(labels_text))
    family, suffix = family_of(name)
    if family not in families:
        problems.append(f"line {n}: {name} has no TYPE before it")
    if family not in helped:
        problems.append(f"line {n}: {name} has no HELP before it")
    key = (name, tuple(sorted(labels.items())))
    if key in seen:
        problems.append(f"line {n}: {name}{labels} twice")
    seen.add(key)
    value = value_of(value_text, n)
    if families.get(family) == "counter" and not value >= 0:
        problems.append(f"line {n}: counter {name} is {value}")
    if families.get(family) == "histogram":
        group = (family, tuple(sorted((k, v) for k, v in labels.items() if k != "le")))
        h = histograms.setdefault(group, {"buckets": [], "count": None, "sum": None})
        if suffix == "_bucket":
            if "le" not in labels:
                problems.append(f"line {n}: a bucket without le")
            else:
                h["buckets"].append((value_of(labels["le"], n), value))
        elif suffix == "_count":
            h["count"] = value
        elif suffix == "_sum":
            h["sum"] = value
        else:
            problems.append(f"line {n}: {name} in histogram {family}")

for (family, _), h in histograms.items():
    les = [le for le, _ in h["buckets"]]
    counts = [c for _, c in h["buckets"]]
    if les != sorted(les) or not les or les[-1] != math.inf:
        problems.append(f"{family}: buckets not ascending to +Inf: {les}")
    if counts != sorted(counts):
        problems.append(f"{family}: bucket counts not cumulative: {counts}")
    if h["count"] is None or h["sum"] is None:
        problems.append(f"{family}: no _count or _sum")
    elif counts and counts[-1] != h["count"]:
        problems.append(f"{family}: +Inf bucket {counts[-1]} != _count {h['count']}")

for p in problems:
    print(p)
print(f"{len(seen)} samples in {len(families)} families: "
      f"{'no problems' if not problems else str(len(problems)) + ' problems'}")
sys.exit(1 if problems else 0)
