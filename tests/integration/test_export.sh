#!/usr/bin/env bash
# budgetctl export district against the real daemon, read back with
# openpyxl (check_workbook.py) and compared with the totals op to the 分.
set -uo pipefail
bin=$1 data=$2 here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/budgetd-export-XXXXXX)
ctl=$bin/budgetctl
export BUDGETD_ENDPOINT="ipc://$dir/req.sock"
export BUDGETCTL_CATALOG="$data/../../conf/catalog"
. "$here/checks.sh"

check "export without --year is a usage error" exit_is 2 "$ctl" export district -o "$dir/x.xlsx"
check "export of something else is a usage error" exit_is 2 "$ctl" export treasury --year 2025
check "export department without -o is a usage error" exit_is 2 "$ctl" export department 215001 --year 2025
check "export department --format pdf is a usage error" exit_is 2 "$ctl" export department 215001 --format pdf -o "$dir/x.pdf"
check "export fdp without a directory is a usage error" exit_is 2 "$ctl" export fdp --year 2025
check "no daemon: a transport error" exit_is 2 "$ctl" export district --year 2025 -o "$dir/x.xlsx"
check "and no file is left" test ! -e "$dir/x.xlsx"

"$bin/budgetd" --state-dir "$dir/state" --listen "$BUDGETD_ENDPOINT" \
  --publish "ipc://$dir/pub.sock" 2>"$dir/daemon.log" &
daemon=$!
for _ in $(seq 50); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.1; done

# Two years of one department (for the comparison) and a second department.
"$ctl" import "$data/published/putuo-wanli-2024-budget.txt" --department 215001 \
  --parent 215 -o "$dir/wanli-2024.json" 2>/dev/null
check "samples accepted" exit_is 0 "$ctl" submit "$data/putuo-wanli-2025.json" \
  "$dir/wanli-2024.json" "$data/fengquan-116001-2023-corrected.json"
# Seventy more departments with 三公 tables: more rows than a sheet first
# makes room for (64), so the 三公 sheet's rows move while it fills.
/usr/bin/python3 - "$data/putuo-wanli-2025.json" "$dir/many" <<'PY'
import json, os, sys
doc = json.load(open(sys.argv[1]))
os.makedirs(sys.argv[2])
for i in range(70):
    doc["department"]["code"] = str(215100 + i)
    doc["department"]["name"] = f"街道{i}"
    json.dump(doc, open(f"{sys.argv[2]}/{i:02d}.json", "w"), ensure_ascii=False)
PY
check "seventy more departments accepted" exit_is 0 "$ctl" submit "$dir"/many/*.json

# Each check asks the daemon some twenty questions: two workbooks cover
# both units, and a year with the year before it in the store.
for case in 2025:元 2023:万元; do
  year=${case%:*} unit=${case#*:}
  out="$dir/district-$year-$unit.xlsx"
  check "export $year in $unit" exit_is 0 "$ctl" export district --year $year --unit $unit -o "$out"
  check "workbook $year in $unit agrees with the totals" "$here/check_workbook.py" "$ctl" "$out" $year $unit
done
check "a year with no budgets still writes its sheets" exit_is 0 "$ctl" export district --year 2030 -o "$dir/empty.xlsx"
check "an unwritable path is refused" exit_is 1 "$ctl" export district --year 2025 -o "$dir/no/such/dir/x.xlsx"
err=$("$ctl" export district --year 2025 -o "$dir/no/such/dir/x.xlsx" 2>&1)
check "and says which file" grep -q "no/such/dir/x.xlsx" <<<"$err"
csv=$("$ctl" export district --year 2025 --csv)
check "--csv prints every table" test "$(grep -c '^# ' <<<"$csv")" -eq 9
total=$("$ctl" --json totals --year 2025 --unit 元 --where source:general_budget | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
check "--csv's general budget total is the totals op's ($total)" grep -q "^,合计,$total," <<<"$(sed -n 3p <<<"$csv")"

# District tables as one CSV file each.
check "export district --format csv -o DIR" exit_is 0 "$ctl" export district --year 2025 --format csv -o "$dir/csv"
check "writes the nine tables" test "$(ls "$dir/csv" | grep -c '\.csv$')" -eq 9
check "and the general budget's total row is the totals op's" grep -q "^,合计,$total," "$dir/csv/一般公共预算支出.csv"

# Each accepted budget's publication tables: the workbook against the text
# export cell by cell, and the text imported back to the same document.
for case in 215001:2025:元 215001:2024:元 116001:2023:万元; do
  IFS=: read -r code year unit <<<"$case"
  base="$dir/publish-$code-$year"
  check "export department $code $year" exit_is 0 "$ctl" export department "$code" --year "$year" -o "$base.xlsx"
  check "export department $code $year --format text" exit_is 0 "$ctl" export department "$code" --year "$year" --format text -o "$base.txt"
  check "$code $year: the workbook is the text's tables, amounts as numbers" \
    "$here/check_publication.py" "$base.xlsx" "$base.txt" "$unit" 部门收支预算总表 部门收入预算总表 部门支出预算表 一般公共预算支出预算表 一般公共预算“三公”经费预算表
  "$ctl" --json show "$code" --year "$year" | /usr/bin/python3 -c \
    'import json,sys; json.dump(json.load(sys.stdin)["document"], open(sys.argv[1], "w"), ensure_ascii=False)' "$base.stored.json"
  check "$code $year: the text export imports" exit_is 0 "$ctl" import "$base.txt" -o "$base.back.json"
  check "$code $year: back to the same document" "$here/same_document.py" "$base.stored.json" "$base.back.json"
done
check "export department of revision 1 by number" exit_is 0 "$ctl" export department 116001 --year 2023 --revision 1 --format text -o - 
check "a revision that does not exist is refused" exit_is 1 "$ctl" export department 116001 --year 2023 --revision 9 -o "$dir/r9.xlsx"
check "and leaves no file" test ! -e "$dir/r9.xlsx"
check "a department that does not exist is refused" exit_is 1 "$ctl" export department 999999 --year 2023 -o "$dir/none.xlsx"
# The text export, submitted as the next revision, moves no total.
before=$("$ctl" --json totals --by department,function:item,source,kind --year 2025 --unit 元)
check "the re-imported 2025 budget is accepted again" exit_is 0 "$ctl" submit "$dir/publish-215001-2025.back.json"
after=$("$ctl" --json totals --by department,function:item,source,kind --year 2025 --unit 元)
check "and every total stays where it was" test "$before" = "$after"

# Open data: the Fiscal Data Package, validated and summed against the totals.
for year in 2025 2023; do
  check "export fdp $year" exit_is 0 "$ctl" export fdp --year $year -o "$dir/fdp-$year"
  check "fdp $year is valid and sums to the totals" "$here/check_fdp.py" "$ctl" "$dir/fdp-$year" $year
done

# The export op: what other clients ask for, built in the daemon from the
# same code; asked here with nngcat, a client that shares none of it.
nng_req() { nngcat --req --dial "$BUDGETD_ENDPOINT" --data "$1" --format raw --recv-timeout 20 -Z 0; }
b64=$here/from_base64.py
check "export op: the district workbook" \
  bash -c "$(declare -f nng_req); nng_req '{\"op\":\"export\",\"table\":\"district\",\"year\":2025}' | $b64 '$dir/op-district.xlsx'"
check "export op: it agrees with the totals, cell for cell" "$here/check_workbook.py" "$ctl" "$dir/op-district.xlsx" 2025 元
check "export op: in 万元" \
  bash -c "$(declare -f nng_req); nng_req '{\"op\":\"export\",\"table\":\"district\",\"year\":2023,\"unit\":\"万元\"}' | $b64 '$dir/op-2023.xlsx'"
check "export op: 2023 in 万元 agrees too" "$here/check_workbook.py" "$ctl" "$dir/op-2023.xlsx" 2023 万元
check "export op: a department's tables as text" \
  bash -c "$(declare -f nng_req); nng_req '{\"op\":\"export\",\"table\":\"department\",\"department\":\"116001\",\"year\":2023,\"format\":\"text\"}' | $b64 '$dir/op-116001.txt' --text"
check "export op: the same text budgetctl writes" cmp "$dir/op-116001.txt" "$dir/publish-116001-2023.txt"
check "export op: a department's workbook" \
  bash -c "$(declare -f nng_req); nng_req '{\"op\":\"export\",\"table\":\"department\",\"department\":\"116001\",\"year\":2023}' | $b64 '$dir/op-116001.xlsx'"
check "export op: the workbook is the text's tables" "$here/check_publication.py" "$dir/op-116001.xlsx" "$dir/op-116001.txt" 万元 部门收支预算总表
csv_reply=$(nng_req '{"op":"export","table":"district","year":2025,"format":"csv"}')
check "export op: the tables as CSV, the total row the totals op's" \
  grep -q ",合计,$total," <<<"$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"][0]["csv"])' <<<"$csv_reply")"
for bad in '{"op":"export"}' '{"op":"export","table":"treasury"}' \
           '{"op":"export","table":"district"}' '{"op":"export","table":"district","year":2025,"format":"pdf"}' \
           '{"op":"export","table":"district","year":2025,"unit":"千元"}' \
           '{"op":"export","table":"department","department":"116001","year":2023,"revision":9}' \
           '{"op":"export","table":"department","department":"116001","format":"csv"}'; do
  reply=$(nng_req "$bad")
  check "export op refuses $bad with a reason" \
    /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if not r["ok"] and len(r["error"]["message"]) > 10 else 1)' "$reply"
done
check "budgetctl findings prints the latest document's findings" \
  grep -q "116001/2023 document .* accepted" <<<"$("$ctl" findings 116001 2>&1)"
check "budgetctl findings of an unknown department is refused (1)" exit_is 1 "$ctl" findings 999999
check "the daemon still serves" exit_is 0 "$ctl" status

finish
