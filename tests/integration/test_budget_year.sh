#!/usr/bin/env bash
# A whole budget year (两上两下) through the real daemon: four departments
# under two 主管部门, proposals, control numbers from the CSV template, a
# budget over its control number, returns and resubmissions, a 主管部门's
# review, approvals, stage totals against an independent sum, the year
# locked, an adjustment, every transition published once and in order,
# every illegal transition refused with nothing stored, and a restart.
set -uo pipefail
bin=$1 data=$2 src=$3 here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/budgetd-workflow-XXXXXX)
ctl=$bin/budgetctl
sample=$data/fengquan-116001-2023-corrected.json
# The system python (pyenv shims cost a third of a second a call).
py=$(command -v /usr/bin/python3 || command -v python3)
. "$here/checks.sh"

cat >"$dir/budgetd.conf" <<EOC
[daemon]
listen = ipc://$dir/admin.sock, ipc://$dir/req.sock
trust = ipc://$dir/admin.sock
publish = ipc://$dir/pub.sock
state_dir = $dir/state
[plugin.catalog]
dir = $src/conf/catalog
[plugin.rules]
files = $src/conf/rules/*.rules
EOC
start() {
  "$bin/budgetd" --config "$dir/budgetd.conf" 2>>"$dir/daemon.log" &
  daemon=$!
  for _ in $(seq 100); do A status >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "budgetd did not start:"; cat "$dir/daemon.log"; exit 1
}
# A: the bureau's admin (the trusted socket); as TOKEN: a credential.
A() { BUDGETD_ENDPOINT="ipc://$dir/admin.sock" "$ctl" "$@"; }
as() { local t=$1; shift; BUDGETD_ENDPOINT="ipc://$dir/req.sock" "$ctl" -T "$t" "$@"; }
token() { A --json credential add "$@" | $py -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
# sql QUERY: one number from the store itself.
sql() { $py -c 'import sqlite3,sys; print(sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True).execute(sys.argv[2]).fetchone()[0])' "$dir/state/budgetd.db" "$1"; }
transitions() { sql "SELECT COUNT(*) FROM transitions"; }
documents() { sql "SELECT COUNT(*) FROM documents"; }
# refused WHY COMMAND...: exits non-zero, says WHY, stores nothing.
refused() {
  local why=$1; shift
  local t0 d0 out
  t0=$(transitions) d0=$(documents)
  out=$("$@" 2>&1) && { echo "  (accepted: $out)"; return 1; }
  grep -q -- "$why" <<<"$out" || { echo "  (said: $out)"; return 1; }
  [ "$(transitions)" = "$t0" ] && [ "$(documents)" = "$d0" ] || { echo "  (the store changed)"; return 1; }
}
total() { A --json totals --year 2023 --unit 元 "$@" | $py -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
add() { $py -c 'import sys; from decimal import Decimal; print(sum(Decimal(a) for a in sys.argv[1:]))' "$@"; }
doc() { $py "$here/workflow_doc.py" "$sample" "$1" "$2" "$3" "$dir/$4.json"; }

start
nngcat --sub --dial "ipc://$dir/pub.sock" --subscribe "budgetd.review." --format ascii >"$dir/review.pub" 2>/dev/null &
sub=$!
# PUB drops what is sent before the subscriber is connected.  One
# subscriber at a time: with several, nng's PUB frees each message on
# whichever thread drops its last reference, through atomics that
# ThreadSanitizer cannot see in the uninstrumented libnng, and the TSan
# build would report that free as a race.
subscribed() {
  for _ in $(seq 100); do
    [ "$(A --json status | $py -c 'import json,sys; print(json.load(sys.stdin).get("subscribers", 0))')" -ge 1 ] && return
    sleep 0.1
  done
}
subscribed

p116=$(token p116 --role parent --department 116)
p215=$(token p215 --role parent --department 215)
d116001=$(token d116001 --role department --department 116001)
clerk=$(token clerk --role operator)
check "credentials issued" test -n "$p116" -a -n "$p215" -a -n "$d116001" -a -n "$clerk"

# The documents: each department's figures, in 元 as the sample adds up.
t116001=$(doc 116001 116 0 a1) t116002_over=$(doc 116002 116 1.5 b-over)
t116002=$(doc 116002 116 0.5 b1) t116002_b=$(doc 116002 116 0.25 b2)
t215001=$(doc 215001 215 0 c1) t215001_b=$(doc 215001 215 -0.5 c2)
t215002=$(doc 215002 215 0 d1) t215002_adj=$(doc 215002 215 1 d-adj)
t215002_new=$(doc 215002 215 -1 d-new)
doc 215002 215 5 d-bad >/dev/null

# ---- 一上: proposals ----
check "a department sends its own proposal" exit_is 0 as "$d116001" submit "$dir/a1.json"
check "a department cannot send another's" refused "forbidden" as "$d116001" submit "$dir/b1.json"
for f in b1 c1 d1; do check "proposal $f" exit_is 0 A submit "$dir/$f.json"; done
check "a proposal is not approved" refused "answered with control numbers" A approve 116001 --year 2023 --revision 1 --approval-number X
check "a budget before control numbers is refused" refused "no control numbers" A submit --stage budget "$dir/b1.json"
check "an adjustment with none open is refused" refused "no adjustment is open" A submit --stage adjustment "$dir/b1.json"
yesterday=$(date -d yesterday +%F)
check "deadline for budgets (admin)" exit_is 0 A deadline budget "$yesterday" --year 2023
check "a deadline is the admin's" refused "forbidden" as "$clerk" deadline budget "$yesterday" --year 2023
progress=$(A --json progress --year 2023)
check "progress: all four in proposal, all overdue for budget" $py -c '
import json, sys
p = json.loads(sys.argv[1])
t = p["total"]
assert t["departments"] == 4, t
assert t["states"] == {"proposal.submitted": 4}, t
assert sorted(o["department"] for o in t["overdue"]) == ["116001", "116002", "215001", "215002"], t
assert {g["parent"]: g["departments"] for g in p["parents"]} == {"116": 2, "215": 2}, p
' "$progress"
check "the progress table lists every overdue department" $py -c '
import sys
total = [l for l in sys.argv[1].splitlines() if l.startswith("total")][0]
assert all(c + " (budget due" in total for c in ("116001", "116002", "215001", "215002")), total
' "$(A progress --year 2023)"
check "a 主管部门 sees only its own progress" $py -c '
import json, sys
p = json.loads(sys.argv[1])
assert [g["parent"] for g in p["parents"]] == ["215"] and p["total"]["departments"] == 2, p
' "$(as "$p215" --json progress --year 2023)"

# ---- 一下: control numbers from the template ----
check "control numbers are the admin's" refused "forbidden" as "$clerk" control import "$src/examples/control-numbers.csv" --year 2023
out=$(A --json control import "$src/examples/control-numbers.csv" --year 2023)
check "control numbers imported from the CSV template" $py -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["ok"] and [s["version"] for s in r["set"]] == [1, 1, 1, 1], r
# Nothing is a budget yet: the proposals are not held to the numbers,
# and the reply says so of each.
assert r["now_breaking"] == 0, r
assert [x["checked"] for x in r["reaudit"]] == [False] * 4, r["reaudit"]
' "$out"
check "a bad control number names its cell" refused "departments\[0\] (116001).items.total" A control set 116001 total=-5 --year 2023
check "an unknown key is refused with the keys" refused "kind:basic.public" A control set 116001 bogus=5 --year 2023
shown=$(as "$d116001" --json control show --year 2023)
check "a department sees its own control numbers only" $py -c '
import json, sys
r = json.loads(sys.argv[1])
assert [c["department"] for c in r["controls"]] == ["116001"], r
assert r["controls"][0]["items"]["total"] == "2323100.00", r
' "$shown"

# ---- 二上: budgets within them ----
out=$(A submit --stage budget "$dir/b-over.json" 2>&1)
over=$(add "$t116002_over" -2340000.00)
check "a budget over its control number is rejected with the numbers" grep -q "total is $t116002_over 元, over its control number 2340000.00 元 (version 1) by $over 元" <<<"$out"
check "and stored as rejected (no revision)" test "$(sql "SELECT COUNT(*) FROM revisions WHERE department='116002'")" = 1
check "116001 budget (at its control number)" exit_is 0 as "$d116001" submit --stage budget "$dir/a1.json"
check "116002 budget within" exit_is 0 A submit --stage budget "$dir/b1.json"
check "215001 budget" exit_is 0 A submit --stage budget "$dir/c1.json"
check "215002 budget" exit_is 0 A submit "$dir/d1.json" --stage budget
check "proposals are closed now" refused "proposals (一上) are closed" A submit --stage proposal "$dir/a1.json"
check "nobody is overdue for budgets any more" $py -c '
import json, sys
t = json.loads(sys.argv[1])["total"]
assert not [o for o in t["overdue"] if o["stage"] == "budget"], t
assert t["states"] == {"budget.submitted": 4}, t
' "$(A --json progress --year 2023)"

# ---- review: the 主管部门 first, then the bureau ----
check "116 forwards 116001" exit_is 0 as "$p116" forward 116001 --year 2023
check "116 returns 116002 with a reason" exit_is 0 as "$p116" return 116002 --year 2023 --reason "住房公积金 above the standard" --concerns "expenditure[5].total"
check "a return needs a reason" refused "reason" A return 215001 --year 2023
check "116 cannot act on 215's units" refused "not within this credential's scope" as "$p116" forward 215001 --year 2023
check "a department cannot approve" refused "forbidden" as "$d116001" approve 116001 --year 2023 --revision 2 --approval-number X
check "a 主管部门 cannot approve" refused "may not approve" as "$p116" approve 116001 --year 2023 --revision 2 --approval-number X
check "forwarded: the 主管部门 can no longer return it" refused "the bureau reviews it now" as "$p116" return 116001 --year 2023 --reason x
check "a returned budget cannot be approved" refused "budget returned" A approve 116002 --year 2023 --revision 1 --approval-number X
check "116002 sends it again" exit_is 0 A submit "$dir/b2.json"
check "the operator returns 215001" exit_is 0 as "$clerk" return 215001 --year 2023 --reason "项目支出 lacks indicators"
check "215001 sends it again" exit_is 0 A submit "$dir/c2.json"

# A control number lowered under what 215001 sent: the re-audit says so,
# and the revision cannot be approved until the number is mended.
out=$(A --json control set 215001 total=2000000.00 --year 2023)
check "a lowered control number: the reply names who now breaks it" $py -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["now_breaking"] == 1 and r["set"][0]["version"] == 2, r
b = r["reaudit"][0]
assert b["checked"] and b["department"] == "215001" and b["errors"] == 1 and "over its control number 2000000.00" in b["first"], b
' "$out"
check "approving a revision with audit errors is refused" refused "has 1 audit error now" A approve 215001 --year 2023 --revision 3 --approval-number X
check "the number mended (version 3)" exit_is 0 A control set 215001 total=2400000.00 source:general_budget=2400000.00 --year 2023
check "every version kept, with who and when" $py -c '
import json, sys
r = json.loads(sys.argv[1])
v = r["versions"]
assert [x["version"] for x in v] == [1, 2, 3], v
assert [x["items"]["total"] for x in v] == ["2400000.00", "2000000.00", "2400000.00"], v
assert all(x["set_by"] == "local (admin)" and x["set_at"] for x in v), v
assert v[0]["seq"] < v[1]["seq"] < v[2]["seq"], v
' "$(A --json control history 215001 --year 2023)"
check "a department cannot read another's versions" refused "not within this credential" as "$d116001" control history 215001 --year 2023

# ---- 二下: approvals ----
check "approving a stale revision is refused" refused "is not the one under review: the latest is revision 3" as "$clerk" approve 116002 --year 2023 --revision 2 --approval-number "凤财预〔2023〕12号"
check "approving needs the document number" refused "approval-number" as "$clerk" approve 116002 --year 2023 --revision 3
check "a bad approval date is refused" refused "YYYY-MM-DD" as "$clerk" approve 116002 --year 2023 --revision 3 --approval-number N --date 2023-13-01
check "approve 116001" exit_is 0 as "$clerk" approve 116001 --year 2023 --revision 2 --approval-number "凤财预〔2023〕11号" --date 2023-01-20
check "approve 116002" exit_is 0 as "$clerk" approve 116002 --year 2023 --revision 3 --approval-number "凤财预〔2023〕12号" --date 2023-01-20
check "approve 215001" exit_is 0 A approve 215001 --year 2023 --revision 3 --approval-number "凤财预〔2023〕13号" --date 2023-01-21
check "approving twice is refused" refused "budget approved" A approve 215001 --year 2023 --revision 3 --approval-number X
check "approved: no more budgets without an adjustment" refused "a change needs an adjustment" A submit "$dir/a1.json"

# 215002 is not approved yet and sends a newer budget: it counts in
# latest and submitted, not in approved.
check "215002 sends a newer budget" exit_is 0 A submit "$dir/d-new.json"
check "latest: every department's latest revision" test "$(total)" = "$(add "$t116001" "$t116002_b" "$t215001_b" "$t215002_new")"
check "approved: exactly the approved revisions" test "$(total --stage approved)" = "$(add "$t116001" "$t116002_b" "$t215001_b")"
check "original: the same before any adjustment" test "$(total --stage original)" = "$(add "$t116001" "$t116002_b" "$t215001_b")"
check "submitted: what stands submitted" test "$(total --stage submitted)" = "$(add "$t116001" "$t116002_b" "$t215001_b" "$t215002_new")"
check "approved by department and by 类 add up to the same" test "$(total --stage approved --by department)" = "$(total --stage approved --by function:class)"
check "an unknown stage is refused" exit_is 2 A totals --stage draft
check "approve 215002" exit_is 0 A approve 215002 --year 2023 --revision 3 --approval-number "凤财预〔2023〕14号" --date 2023-01-22

# ---- the year locked; an adjustment ----
check "lock 2023" exit_is 0 A lock 2023
check "locked and approved: refused" refused "approved" A submit "$dir/d-adj.json"
check "an adjustment is the admin's" refused "forbidden" as "$clerk" adjust open 215002 --year 2023
check "an adjustment for a department that sent nothing is refused" refused "has sent nothing yet" A adjust open 999001 --year 2023
check "open an adjustment for 215002" exit_is 0 A adjust open 215002 --year 2023
check "an adjustment over its control number: rejected with the numbers, though the year is locked" grep -q "over its control number 2400000.00 元" <<<"$(A submit "$dir/d-bad.json" 2>&1)"
check "the adjustment is sent into the locked year" exit_is 0 A submit "$dir/d-adj.json"
check "others stay locked" refused "approved" A submit "$dir/a1.json"
check "adjusted before approval: the approved figures stand" test "$(total --stage adjusted)" = "$(add "$t116001" "$t116002_b" "$t215001_b" "$t215002_new")"
check "approve the adjustment" exit_is 0 A approve 215002 --year 2023 --revision 4 --approval-number "凤财预〔2023〕31号" --date 2023-07-01
orig=$(add "$t116001" "$t116002_b" "$t215001_b" "$t215002_new")
adj=$(add "$t116001" "$t116002_b" "$t215001_b" "$t215002_adj")
check "original: the budget as first approved" test "$(total --stage original)" = "$orig"
check "adjusted: approved including the adjustment" test "$(total --stage adjusted)" = "$adj"
check "and the two differ by the adjustment" test "$(add "$adj" "-$orig")" = "$(add "$t215002_adj" "-$t215002_new")"

# ---- diff ----
out=$(A --json diff 116002 --year 2023 --from 2 --to 3)
check "diff lists exactly the two lines that changed" $py -c '
import json, sys
r = json.loads(sys.argv[1])
got = sorted((l["function"], l["change"], l["difference"]) for l in r["lines"])
assert got == [("2080505", "changed", "-2500.00"), ("2210201", "changed", "-2500.00")], got
assert r["total"]["difference"] == "-5000.00", r["total"]
' "$out"
out=$(A --json diff 215002 --year 2023 --stage original --to-stage adjusted)
check "diff original → adjusted" $py -c '
import json, sys
r = json.loads(sys.argv[1])
assert (r["from_revision"], r["to_revision"]) == (3, 4), r
assert {l["difference"] for l in r["lines"]} == {"20000.00"} and len(r["lines"]) == 2, r
' "$out"
check "diff prints a table" grep -q "^changed  2210201" <<<"$(A diff 116002 --year 2023 --from 2 --to 3)"

# ---- history, publication, restart ----
hist=$(A history 215001)
check "history interleaves revisions and transitions" grep -q "budget: submitted → returned .* return by clerk (operator): 项目支出 lacks indicators" <<<"$hist"
sleep 0.5
kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
check "every transition published once, in seq order" $py -c '
import re, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
stored = [(r[0], r[1], r[2]) for r in db.execute(
    "SELECT seq, department, to_state FROM transitions ORDER BY seq")]
# nngcat --format ascii writes the messages one after the other.
text = open(sys.argv[2], encoding="ascii", errors="replace").read()
pub = [(int(m.group(3)), m.group(2), m.group(4)) for m in re.finditer(
    r"budgetd\.review\.2023\.(\d+)\.(\d+) \{\"seq\":(\d+),\"kind\":\"review\.(\w+)\"", text)]
assert pub == stored, (len(pub), len(stored), pub[:3], stored[:3])
assert len(stored) >= 20, len(stored)
' "$dir/state/budgetd.db" "$dir/review.pub"
# A submission's transition rides on its revision.accepted event; every
# other transition has an event of its own.
check "events carry the transitions" test "$(A --json events --since 0 | $py -c 'import json,sys; print(sum(e["kind"].startswith("review.") for e in json.load(sys.stdin)["events"]))')" = "$(sql "SELECT COUNT(*) FROM transitions WHERE action != 'submit'")"

before=$(A --json history 215002 | $py -c 'import json,sys; print(json.load(sys.stdin)["cases"])')
kill -TERM "$daemon"; wait "$daemon"
start
check "a restart keeps every case" test "$(A --json history 215002 | $py -c 'import json,sys; print(json.load(sys.stdin)["cases"])')" = "$before"
check "and the stage totals" test "$(total --stage original):$(total --stage adjusted)" = "$orig:$adj"
check "and the control numbers" test "$(A --json control show 116001 --year 2023 | $py -c 'import json,sys; print(json.load(sys.stdin)["controls"][0]["version"])')" = 1
check "verify still agrees" exit_is 0 A verify

# budgetctl watch follows the transitions as they happen.
# Not through A: $! would be the subshell running the function, and
# killing it left budgetctl running after the test.
BUDGETD_ENDPOINT="ipc://$dir/admin.sock" "$ctl" watch budgetd.review. \
	>"$dir/watch.out" 2>/dev/null &
watcher=$!
subscribed
check "a second adjustment opened" exit_is 0 A adjust open 215002 --year 2023
check "and sent" exit_is 0 A submit "$dir/d-new.json"
sleep 0.5
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
check "watch shows a review" grep -q "review.open  215002/2023  revision 4  adjustment approved → open by local (admin)" "$dir/watch.out"
check "watch shows a submission's transition" grep -q "review.submitted  215002/2023  revision 5  adjustment open → submitted by local (admin)" "$dir/watch.out"
finish
