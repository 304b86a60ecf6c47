#!/usr/bin/env bash
# budgetctl against the real daemon: exit codes, human output, --json, and
# the same answers as a plain nng client (nngcat).
set -uo pipefail
bin=$1 data=$2
dir=$(mktemp -d /tmp/budgetd-cli-XXXXXX)
ctl=$bin/budgetctl
export BUDGETD_ENDPOINT="ipc://$dir/req.sock"
failures=0 passes=0

check() { # description, command...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
exit_is() { # expected, command...
  local want=$1; shift
  "$@" >/dev/null 2>&1
  [ $? -eq "$want" ]
}
same_json() { # two JSON texts, compared with sorted keys
  python3 -c 'import json,sys; a,b=(json.loads(x) for x in sys.argv[1:3]); sys.exit(0 if a==b else 1)' "$1" "$2"
}
nng_req() { nngcat --req --dial "$BUDGETD_ENDPOINT" --data "$1" --format raw --recv-timeout 5; }

cleanup() {
  [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [ -n "${watcher:-}" ] && kill "$watcher" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

check "help exits 0" exit_is 0 "$ctl" --help
check "unknown command exits 2" exit_is 2 "$ctl" frobnicate
check "no daemon is a transport error (2)" exit_is 2 "$ctl" status
check "and CRITICAL to check (2)" grep -q "^CRITICAL - no answer" <<<"$("$ctl" check)"
check "bad --unit exits 2" exit_is 2 "$ctl" totals --unit 千元
check "an option error names the option" grep -q -- '--year: "abc" is not a fiscal year' <<<"$("$ctl" totals --year abc 2>&1)"
check "COMMAND --help is that command's" grep -q "^Usage: budgetctl totals \[--by" <<<"$("$ctl" totals --help)"
check "help COMMAND too" grep -q "^Usage: budgetctl projects" <<<"$("$ctl" help projects)"
check "help of no command exits 2" exit_is 2 "$ctl" help frobnicate
check "--version" grep -q "^budgetctl [0-9][0-9.]*$" <<<"$("$ctl" --version)"

check "the shipped conf/budgetd.conf loads" exit_is 0 "$bin/budgetd" \
  --config "$data/../../conf/budgetd.conf" --plugin-dir "$bin/../lib/budgetd/plugins" --check-config
check "budgetd --version" exit_is 0 "$bin/budgetd" --version
check "budgetd with a stray argument exits 2" exit_is 2 "$bin/budgetd" extra

"$bin/budgetd" --state-dir "$dir/state" --listen "$BUDGETD_ENDPOINT" \
  --publish "ipc://$dir/pub.sock" 2>"$dir/daemon.log" &
daemon=$!
for _ in $(seq 50); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.1; done

"$ctl" watch --json >"$dir/watch.out" 2>/dev/null &
watcher=$!
sleep 0.5

check "published sample is rejected (1)" exit_is 1 "$ctl" submit "$data/fengquan-116001-2023.json"
check "validate of it says 1 too" exit_is 1 "$ctl" validate "$data/fengquan-116001-2023.json"
out=$("$ctl" validate "$data/fengquan-116001-2023.json")
check "validate names the misfiled line" grep -q "expenditure\[3\] (2010505" <<<"$out"
check "corrected sample is accepted (0)" exit_is 0 "$ctl" submit "$data/fengquan-116001-2023-corrected.json"
check "second department is accepted" exit_is 0 "$ctl" submit "$data/putuo-wanli-2025.json"
printf '{"format":' >"$dir/broken.json"
check "a file that is not JSON is a usage error (2)" exit_is 2 "$ctl" submit "$dir/broken.json"

human=$("$ctl" totals --by function:class --year 2023)
check "human totals show 213.78" grep -q "^201 .* 213.78 " <<<"$human"
check "human totals show the grand total" grep -q "^total .* 232.31" <<<"$human"

for req in \
  '{"op":"totals","by":["function:class"],"year":2023}' \
  '{"op":"totals","by":["year","kind","source"],"unit":"元"}' \
  '{"op":"departments"}' \
  '{"op":"show","department":"116001"}' \
  '{"op":"history","department":"116001"}'; do
  op=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["op"])' "$req")
  case $op in
    totals)
      by=$(python3 -c 'import json,sys; print(",".join(json.loads(sys.argv[1])["by"]))' "$req")
      extra=()
      grep -q '"year":2023' <<<"$req" && extra+=(--year 2023)
      grep -q '"unit":"元"' <<<"$req" && extra+=(--unit 元)
      mine=$("$ctl" --json totals --by "$by" "${extra[@]}") ;;
    departments) mine=$("$ctl" --json departments) ;;
    show) mine=$("$ctl" --json show 116001) ;;
    history) mine=$("$ctl" --json history 116001) ;;
  esac
  theirs=$(nng_req "$req")
  check "budgetctl and nngcat agree on $req" same_json "$mine" "$theirs"
done

check "show of an unknown department exits 1" exit_is 1 "$ctl" show 424242
check "a revision that does not exist exits 1" exit_is 1 "$ctl" show 116001 --revision 9
check "history exits 0" exit_is 0 "$ctl" history 116001
check "projects, largest first" grep -q "劳务派遣人员工资.*40.80" <<<"$("$ctl" projects --limit 1)"
check "三公 by department" grep -q "215001 .* 37.91" <<<"$("$ctl" three-public --by department)"
check "verify finds the totals consistent (0)" exit_is 0 "$ctl" verify
check "check is OK (0)" exit_is 0 "$ctl" check
check "check says it in one line" grep -q "^OK - store writable (.* free), last commit .* ms, 0 waiting for the disk, loop lag [0-9]* ms$" <<<"$("$ctl" check)"
check "status carries the same readings" python3 -c 'import json,sys; h=json.loads(sys.argv[1])["health"]; sys.exit(0 if h["level"] == "ok" and h["store"]["writable"] else 1)' "$("$ctl" --json status)"
csv=$("$ctl" totals --by year,function:class --csv)
check "totals --csv has a header" grep -q "^year,function:class,amount_wanyuan,departments$" <<<"$csv"
check "totals --csv has the rows" grep -q "^2023,201,213.7800,1$" <<<"$csv"
check "a column has one number of decimals (万元 print 2 to 6)" python3 -c '
import sys
rows = [l.split(",") for l in sys.argv[1].splitlines()[1:]]
sys.exit(0 if len({len(r[2].split(".")[1]) for r in rows}) == 1 and len(rows) > 5 else 1)' "$csv"
human=$("$ctl" totals --by function:class)
check "without --year the rows are by year" grep -q "^2025 .* 201 " <<<"$human"
check "and each year has its own total, none across years" grep -q "^total 2023 .* 232.3100" <<<"$human"
check "no total of all years" test -z "$(grep "^total  " <<<"$human")"
check "--limit says how many rows of how many" grep -q "^2 of 12 rows shown" <<<"$("$ctl" totals --by function:class --limit 2)"
check "a 类 given as a 项 code is explained" grep -q "function:class:201" <<<"$("$ctl" totals --where function:201 2>&1)"
check "kind:project.targeted is a cut" exit_is 0 "$ctl" totals --where kind:project.targeted
check "three-public by year has one year column" grep -q "^year  因公出国" <<<"$("$ctl" three-public)"
for c in departments projects three-public "history 116001"; do
  check "$c --csv is CSV" grep -q "^year,\|^document," <<<"$("$ctl" $c --csv)"
done
check "--csv with a command that prints no table is refused (2)" exit_is 2 "$ctl" status --csv
check "--csv with --explain is refused (2)" exit_is 2 "$ctl" totals --explain --csv
events=$("$ctl" --json events --since 0)
check "events carry the unit and delta the PUB messages carry" python3 -c '
import json, sys
ev = json.loads(sys.argv[1])["events"]
moved = [e for e in ev if e.get("changes")]
c = moved[0]["changes"][0]
sys.exit(0 if moved[0]["unit"] == "万元" and "delta" in c and moved[0]["changed"] == len(moved[0]["changes"]) else 1)' "$events"
explain=$("$ctl" totals --by function:class --where function:208* --year 2023 --explain)
check "totals --explain traces 208 to its line items" grep -q "116001/2023 revision 1  2089999" <<<"$explain"

sleep 0.5
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null; watcher=
# A submission's transition (review.submitted) follows its revision's
# event with the same seq: the budget year's, counted apart.
seqs=$(python3 -c 'import json,sys; print(" ".join(str(e["seq"]) for e in map(json.loads, filter(str.strip, open(sys.argv[1]))) if not e["kind"].startswith("review.")))' "$dir/watch.out")
check "watch --json saw every event once, in order (got: $seqs)" test "$seqs" = "1 2 3"
reviews=$(python3 -c 'import json,sys; print(" ".join(str(e["seq"]) for e in map(json.loads, filter(str.strip, open(sys.argv[1]))) if e["kind"].startswith("review.")))' "$dir/watch.out")
check "and each accepted revision's transition with its seq (got: $reviews)" test "$reviews" = "2 3"
check "a gap filled from the store reads as the PUB message did" python3 -c '
import json, sys
pub = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
stored = {e["seq"]: e for e in json.loads(sys.argv[2])["events"]}
keys = ("dimension", "key", "before", "after", "delta")
same = all([{k: c[k] for k in keys} for c in m["changes"]] ==
           [{k: c[k] for k in keys} for c in stored[m["seq"]]["changes"]] and
           m["unit"] == stored[m["seq"]]["unit"] for m in pub if m.get("changes"))
sys.exit(0 if same and any(m.get("changes") for m in pub) else 1)' "$dir/watch.out" "$("$ctl" --json events --since 0)"

check "credential add" exit_is 0 "$ctl" credential add clerk --role operator
check "the same name again is refused (1)" exit_is 1 "$ctl" credential add clerk --role operator
check "the refusal names --replace" grep -q -- "--replace" <<<"$("$ctl" credential add clerk --role operator 2>&1)"
token=$("$ctl" --json credential add clerk --role operator --replace | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
check "--replace issues a new secret" test -n "$token"

check "lock 2023" exit_is 0 "$ctl" lock 2023
check "a locked year refuses submissions (1)" exit_is 1 "$ctl" submit "$data/fengquan-116001-2023-corrected.json"
check "the refusal says the year is locked" grep -q "fiscal year 2023 is locked" <<<"$("$ctl" submit "$data/fengquan-116001-2023-corrected.json" 2>&1)"
check "other years are open" exit_is 0 "$ctl" submit "$data/putuo-wanli-2025.json"
check "unlock 2023" exit_is 0 "$ctl" unlock 2023
check "2023 takes submissions again" exit_is 0 "$ctl" submit "$data/fengquan-116001-2023-corrected.json"
check "the same bytes again say so" grep -q "identical to revision [0-9]*, byte for byte" <<<"$("$ctl" submit "$data/fengquan-116001-2023-corrected.json")"

# import: published budgets as documents, straight to the daemon.
check "import of a file that does not exist exits 2" exit_is 2 "$ctl" import "$dir/none.txt"
check "two PDFs are not one budget (2)" exit_is 2 "$ctl" import "$data/pdf/putuo-finance-2025-budget.pdf" "$data/pdf/putuo-wanli-2025-budget.pdf"
check "a final account is refused (1)" exit_is 1 "$ctl" import "$data/published/putuo-finance-2024-final-accounts.txt"
check "the refusal names 决算" grep -q "决算" <<<"$("$ctl" import "$data/published/putuo-finance-2024-final-accounts.txt" 2>&1)"
check "a Shanghai budget without --department is refused (1)" exit_is 1 "$ctl" import "$data/published/putuo-wanli-2025-budget.txt"
check "the refusal asks for --department" grep -q -- "--department CODE" <<<"$("$ctl" import "$data/published/putuo-wanli-2025-budget.txt" 2>&1)"
check "--keep-going writes the document and still exits 1" exit_is 1 "$ctl" import "$data/published/putuo-wanli-2025-budget.txt" --keep-going -o "$dir/kept.json"
check "the kept document is there, without a department code" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["department"]["code"] == "" and len(d["expenditure"]) == 33 else 1)' "$dir/kept.json"
json=$("$ctl" import "$data/published/putuo-wanli-2025-budget.txt" --json 2>/dev/null)
check "import --json gives the findings as data" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
codes = [f for f in r["findings"] if f["severity"] == "problem" and "--department" in f["message"]]
sys.exit(0 if not r["ok"] and r["problems"] == 1 and codes and r["tables"] == 9 else 1)' "$json"
json=$("$ctl" import "$data/published/putuo-wanli-2025-budget.txt" --department 215001 --json 2>/dev/null)
check "import --json carries the document" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
w = [f for f in r["findings"] if f.get("page") == 17 and "21201" in f["message"]]
sys.exit(0 if r["ok"] and len(r["document"]["expenditure"]) == 33 and w else 1)' "$json"
check "import -o writes the document" exit_is 0 "$ctl" import "$data/fengquan-116001-2023.txt" -o "$dir/fq.json"
check "the imported seed sample equals its transcription" python3 -c '
import json, sys
from decimal import Decimal
def norm(x):
    if isinstance(x, dict): return {k: norm(v) for k, v in x.items() if k not in ("indicators", "narrative")}
    if isinstance(x, list): return [norm(v) for v in x]
    if isinstance(x, str):
        try: return Decimal(x)
        except Exception: return x
    return x
a, b = (norm(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$dir/fq.json" "$data/fengquan-116001-2023.json"
out=$("$ctl" import "$data/fengquan-116001-2023.txt" --submit 2>/dev/null)
check "the imported seed sample is rejected by the audit for its own errors" grep -q "2010505" <<<"$out"
check "import --submit of a PDF is accepted (0)" exit_is 0 "$ctl" import "$data/pdf/putuo-finance-2025-budget.pdf" --department 215002 --parent 215 --submit
check "the PDF's department is stored" grep -q "215002" <<<"$("$ctl" departments --year 2025)"
check "CSV sheets import and are accepted (0)" exit_is 0 "$ctl" import "$data/../../examples/csv/"*.csv --submit

echo "cli: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
