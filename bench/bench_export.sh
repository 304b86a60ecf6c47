#!/usr/bin/env bash
# The export benchmark: a synthetic district of N departments × L lines
# (deterministic, 项 codes and names from the shipped catalogue, the same
# scheme as bench.c) submitted to a real daemon, then the district
# workbook written R times as .xlsx and R times as CSV files (the same
# sheets, the same rows) by budgetctl, and R times as .xlsx by the daemon's
# export op (asked with nngcat), and the median of each with the ratio.
# "budgetd time" is the daemon's CPU spent answering (from /proc) plus the
# client's own CPU; wall time is shown beside it.
#
#   bench_export.sh BIN_DIR CATALOG_DIR [departments] [lines] [rounds]
set -euo pipefail
bin=$1 catalog=$2 n=${3:-1000} lines=${4:-200} rounds=${5:-5}
dir=$(mktemp -d /tmp/budgetd-bench-export-XXXXXX)
trap '[ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
export BUDGETD_ENDPOINT="ipc://$dir/req.sock" BUDGETCTL_CATALOG=$catalog
ctl=$bin/budgetctl

/usr/bin/python3 - "$catalog/2023/function.csv" "$dir/docs" "$n" "$lines" <<'EOF'
import csv, os, random, sys
catalog, out, n, lines = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
items = [(r[0], r[2]) for r in csv.reader(open(catalog, encoding="utf-8"))
         if len(r) > 2 and len(r[0]) == 7 and r[0].isdigit()]
sources = ["general_budget", "fund_budget", "state_capital", "special_account",
           "business", "operating", "superior_subsidy", "affiliated", "other"]
assert lines <= len(items) * len(sources), "more lines than 项 × source pairs"
os.makedirs(out)
rs = random.Random(2025)
for i in range(n):
    parent = "%03d" % (100 + i % 60)
    code = "%s%03d" % (parent, (i // 60) % 1000)
    start = rs.randrange(len(items))
    income, exp, projects = {}, [], []
    for k in range(lines):
        fcode, fname = items[(start + k) % len(items)]
        src = sources[k // len(items)]
        basic = rs.randrange(5000000)
        project = 0 if rs.randrange(3) else rs.randrange(8000000)
        income[src] = income.get(src, 0) + basic + project
        exp.append('{"function":"%s","name":"%s","source":"%s","basic":{"total":"%d"},'
                   '"project":{"total":"%d"}}' % (fcode, fname, src, basic, project))
        if project:
            projects.append('{"code":"%s%04d","name":"项目%d","function":"%s",'
                            '"sources":{"%s":"%d"},"total":"%d"}'
                            % (code, k, k, fcode, src, project, project))
    doc = ('{"format":"budget-submission/1","year":2025,"unit":"元","department":'
           '{"code":"%s","name":"单位%s","parent":"%s"},"income":{%s},"expenditure":[%s],'
           '"projects":[%s]}' % (code, code, parent,
                                 ",".join('"%s":"%d"' % kv for kv in income.items()),
                                 ",".join(exp), ",".join(projects)))
    open(os.path.join(out, code + ".json"), "w", encoding="utf-8").write(doc)
EOF

"$bin/budgetd" --state-dir "$dir/state" --listen "$BUDGETD_ENDPOINT" \
  --publish "ipc://$dir/pub.sock" --log-level warning 2>"$dir/daemon.log" &
daemon=$!
for _ in $(seq 100); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.1; done
find "$dir/docs" -name '*.json' -print0 | xargs -0 -n 200 "$ctl" -t 120000 submit >/dev/null 2>"$dir/submit.err" || {
  echo "bench_export: some documents were refused:"; grep -m5 error "$dir/submit.err"; exit 1; }
accepted=$("$ctl" --json departments --year 2025 | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["departments"]))')

# CPU seconds of a process so far (utime + stime).
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

# One export: wall seconds, budgetctl CPU seconds, daemon CPU seconds.
measure() {
  local before after start end t0 t1
  before=$(cpu_of "$daemon")
  start=$(date +%s.%N)
  /usr/bin/time -o "$dir/time" -f "%U %S" "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  after=$(cpu_of "$daemon")
  read -r t0 t1 <"$dir/time"
  awk -v s="$start" -v e="$end" -v u="$t0" -v k="$t1" -v b="$before" -v a="$after" \
    'BEGIN {printf "%.3f %.2f %.2f\n", e - s, u + k, a - b}'
}

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

declare -A wall cli dmn
for kind in xlsx csv op; do
  : >"$dir/$kind.times"
  for _ in $(seq "$rounds"); do
    case $kind in
    xlsx) measure "$ctl" -t 120000 export district --year 2025 -o "$dir/district.xlsx" ;;
    csv) rm -rf "$dir/csv"
      measure "$ctl" -t 120000 export district --year 2025 --format csv -o "$dir/csv" ;;
    op) measure nngcat --req --dial "$BUDGETD_ENDPOINT" --format raw -Z 0 --recv-timeout 120 \
        --data '{"op":"export","table":"district","year":2025}' ;;
    esac >>"$dir/$kind.times"
  done
  wall[$kind]=$(awk '{print $1}' "$dir/$kind.times" | median)
  cli[$kind]=$(awk '{print $2}' "$dir/$kind.times" | median)
  dmn[$kind]=$(awk '{print $3}' "$dir/$kind.times" | median)
done
rows=$(cat "$dir"/csv/*.csv | wc -l)
size_xlsx=$(stat -c %s "$dir/district.xlsx")
size_csv=$(cat "$dir"/csv/*.csv | wc -c)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a + b}'; }

echo "# District export: $accepted departments × $lines lines, median of $rounds"
echo
echo "| output | wall s | client CPU s | budgetd CPU s | budgetd time (CPU, both) s | size |"
echo "|---|---:|---:|---:|---:|---:|"
for kind in xlsx csv op; do
  case $kind in
  xlsx) what="budgetctl: .xlsx" size=$size_xlsx ;;
  csv) what="budgetctl: CSV files" size=$size_csv ;;
  op) what="export op: .xlsx built in budgetd, base64 over nng (nngcat)" size=$size_xlsx ;;
  esac
  both=$(add "${cli[$kind]}" "${dmn[$kind]}")
  echo "| $what ($rows rows in 9 tables) | ${wall[$kind]} | ${cli[$kind]} | ${dmn[$kind]} | $both | $size B |"
done
echo
echo "xlsx / CSV: wall $(ratio "${wall[xlsx]}" "${wall[csv]}")×, CPU $(ratio "$(add "${cli[xlsx]}" "${dmn[xlsx]}")" "$(add "${cli[csv]}" "${dmn[csv]}")")×"
