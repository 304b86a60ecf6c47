#!/usr/bin/env bash
# budgetctl export district against the real daemon, read back with
# openpyxl (check_workbook.py) and compared with the totals op to the 分.
set -uo pipefail
bin=$1 data=$2 here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/budgetd-export-XXXXXX)
ctl=$bin/budgetctl
export BUDGETD_ENDPOINT="ipc://$dir/req.sock"
export BUDGETCTL_CATALOG="$data/../../conf/catalog"
failures=0 passes=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
exit_is() { local want=$1; shift; "$@" >/dev/null 2>&1; [ $? -eq "$want" ]; }
cleanup() {
  [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

check "export without --year is a usage error" exit_is 2 "$ctl" export district -o "$dir/x.xlsx"
check "export of something else is a usage error" exit_is 2 "$ctl" export department --year 2025
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
check "the daemon still serves" exit_is 0 "$ctl" status

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
