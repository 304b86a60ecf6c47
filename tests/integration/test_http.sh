#!/usr/bin/env bash
# The HTTP listener against the real daemon, with curl: every endpoint's
# answer equals the nng op's on the same daemon, credentials and role cuts
# hold, bad requests (parameters, bodies, oversized headers and bodies, a
# slow client) get clear errors, and the daemon keeps serving throughout.
set -uo pipefail
bin=$1 data=$2 src=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/budgetd-http-XXXXXX)
ctl=$bin/budgetctl
py=/usr/bin/python3
export BUDGETD_ENDPOINT="ipc://$dir/req.sock"
port=$(/usr/bin/python3 "$src/tests/integration/free_port.py" 7) || exit 1
base="http://127.0.0.1:$port"
. "$src/tests/integration/checks.sh"

# The ipc socket trusts its peers; HTTP requires a credential.
HTTP_EXTRA="max_header_size = 8K
timeout = 2
max_connections = 12" start_http_daemon "$bin" "$src" "$port" ipc "max_message_size = 64K" || exit 1
check "samples accepted over nng" exit_is 0 "$ctl" submit "$data/putuo-wanli-2025.json" "$data/fengquan-116001-2023-corrected.json"
token() { "$ctl" --json credential add "$@" | $py -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
op=$(token analyst --role operator)
dept=$(token fengquan --role department --department 116001)

# status code, then the body in $dir/body
get() { # token path
  curl -s -o "$dir/body" -w '%{http_code}' ${1:+-H "Authorization: Bearer $1"} "$base$2"
}
post() { # token path file
  curl -s -o "$dir/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    ${1:+-H "Authorization: Bearer $1"} --data-binary @"$3" "$base$2"
}
same_json() { $py -c 'import json,sys; a,b=(json.loads(x) for x in sys.argv[1:3]); sys.exit(0 if a == b else 1)' "$1" "$2"; }
error_code() { $py -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["error"]["code"] if not r["ok"] else "ok")' "$dir/body"; }

check "no credential: 401" test "$(get "" /api/v1/status)" = 401
check "and the reply says how to send one" test "$(error_code)" = unauthenticated
check "a wrong credential: 401" test "$(get "analyst.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /api/v1/status)" = 401
check "Authorization that is not Bearer: 400" test "$(curl -s -o "$dir/body" -w '%{http_code}' -H 'Authorization: Basic eDp5' "$base/api/v1/status")" = 400

# Every endpoint answers what the nng op answers, on the same daemon.
# (One cut of 32 codes, the most a cut takes: longer than 255 bytes.)
long_cut=$(seq 2010301 2010331 | tr '\n' ',')2010350
cases=(
  "/api/v1/totals?by=function:class&year=2025&unit=元|totals --by function:class --year 2025 --unit 元"
  "/api/v1/totals?by=year,department,kind&unit=元|totals --by department,kind --unit 元"
  "/api/v1/totals?by=function:item&where=function:201*&where=source:general_budget&year=2025|totals --by function:item --where function:201* --where source:general_budget --year 2025"
  "/api/v1/totals?by=function:class&year=2025&change=true|totals --by function:class --year 2025 --change"
  "/api/v1/totals?by=function:item&where=function:$long_cut&year=2023&unit=元|totals --by function:item --where function:$long_cut --year 2023 --unit 元"
  "/api/v1/departments|departments"
  "/api/v1/departments?year=2023|departments --year 2023"
  "/api/v1/departments/116001|show 116001"
  "/api/v1/departments/215001?year=2025&revision=1|show 215001 --year 2025 --revision 1"
  "/api/v1/departments/116001/history|history 116001"
  "/api/v1/three_public?by=department|three-public --by department"
  "/api/v1/projects?limit=3|projects --limit 3"
  "/api/v1/events?since=0|events --since 0"
  "/api/v1/progress?year=2025|progress --year 2025"
  "/api/v1/control?year=2025|control show --year 2025"
)
for c in "${cases[@]}"; do
  path=${c%%|*} args=${c#*|}
  check "GET $path: 200" test "$(get "$op" "$path")" = 200
  # shellcheck disable=SC2086
  want=$("$ctl" --json $args)
  check "GET $path equals budgetctl $args" same_json "$(cat "$dir/body")" "$want" || { echo "  http: $(head -c 600 "$dir/body")"; echo "  nng:  ${want:0:600}"; }
done

# A department: its own figures only, on every endpoint.
check "department: its totals" test "$(get "$dept" "/api/v1/totals?unit=元")" = 200
check "department: only its own total" grep -q '"total":"2323100.00"' "$dir/body"
check "department: its own document" test "$(get "$dept" /api/v1/departments/116001)" = 200
check "department: not another's (403)" test "$(get "$dept" /api/v1/departments/215001)" = 403
check "department: not another's history (403)" test "$(get "$dept" /api/v1/departments/215001/history)" = 403
check "department: not the event log (403)" test "$(get "$dept" /api/v1/events)" = 403
check "department: one department listed" test "$(get "$dept" /api/v1/departments)" = 200
check "department: and it is its own" test "$($py -c 'import json,sys; print(",".join(d["code"] for d in json.load(open(sys.argv[1]))["departments"]))' "$dir/body")" = 116001

# Submissions and validations: the body is the document.
check "POST a validation: 200" test "$(post "$op" /api/v1/validations "$data/putuo-wanli-2025.json")" = 200
check "a department submits its own budget: 200" test "$(post "$dept" /api/v1/submissions "$data/fengquan-116001-2023-corrected.json")" = 200
check "and it is revision 2" grep -q '"revision":2' "$dir/body"
check "but not another's: 403" test "$(post "$dept" /api/v1/submissions "$data/putuo-wanli-2025.json")" = 403
check "the sample with its errors is refused: 422" test "$(post "$dept" /api/v1/submissions "$data/fengquan-116001-2023.json")" = 422
check "with its findings" grep -q '"findings"' "$dir/body"
check "the stored findings of its newest document: 200" test "$(get "$dept" /api/v1/departments/116001/findings)" = 200
check "are the rejected sample's" $py -c '
import json, sys
r = json.load(open(sys.argv[1]))
rules = [f["rule"] for f in r["findings"] if f["severity"] == "error"]
sys.exit(0 if r["outcome"] == "rejected" and sum(x.startswith("arith.") for x in rules) >= 6 else 1)' "$dir/body"
mine=$(cat "$dir/body")
theirs=$(nngcat --req --dial "$BUDGETD_ENDPOINT" --format raw --recv-timeout 5 --data '{"op":"findings","department":"116001"}')
check "and the nng op's, the same" same_json "$mine" "$theirs"
check "another department's findings: 403" test "$(get "$dept" /api/v1/departments/215001/findings)" = 403
check "a document that does not exist: 404" test "$(get "$op" "/api/v1/departments/116001/findings?document=99999")" = 404
printf '{"format":"budget-submission/1","year":"2023"}' >"$dir/invalid.json"
check "a JSON body that is no budget-submission/1 document: 422" test "$(post "$op" /api/v1/validations "$dir/invalid.json")" = 422
check "as invalid_document, naming the field" bash -c "grep -q '\"code\":\"invalid_document\"' '$dir/body' && grep -q 'year' '$dir/body'"
printf '{"format":"budget-submission/1",' >"$dir/broken.json"
check "a body that is not JSON: 400" test "$(post "$dept" /api/v1/submissions "$dir/broken.json")" = 400
check "with where it broke" grep -q 'JSON' "$dir/body"
: >"$dir/empty.json"
check "an empty body: 400" test "$(post "$dept" /api/v1/submissions "$dir/empty.json")" = 400

# Bad requests get clear errors.
check "year=abc: 400" test "$(get "$op" "/api/v1/totals?year=abc")" = 400
check "naming the parameter" grep -q 'year' "$dir/body"
check "an unknown dimension: 400" test "$(get "$op" "/api/v1/totals?by=nonsense")" = 400
check "a parameter not of the API: 400" test "$(get "$op" "/api/v1/totals?Year=2025")" = 400
check "a token in the query is refused: 400" test "$(get "" "/api/v1/status?token=$op")" = 400
check "an unknown path: 404" test "$(get "$op" /api/v2/totals)" = 404
check "which lists the API" grep -q '/api/v1/{totals' "$dir/body"
check "a method other than GET and POST: 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/api/v1/status")" = 405
big=$(head -c 9000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$base/api/v1/status")
check "headers over max_header_size are refused ($code)" test "$code" -ge 400 -a "$code" -lt 500
head -c 70000 /dev/zero | tr '\0' ' ' >"$dir/huge.json"
code=$(post "$dept" /api/v1/submissions "$dir/huge.json")
check "a body over max_message_size is refused ($code)" test "$code" = 413
# A client that sends half a request and stops is cut off at the timeout,
# while others are served.
$py - "$port" >"$dir/slow" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n")
s.settimeout(10)
start = time.time()
try:
    data = s.recv(100)
except socket.timeout:
    data = None
print("closed" if data is not None else "open", round(time.time() - start))
EOF
slow=$!
check "served while a slow client waits" test "$(get "$op" /api/v1/status)" = 200
wait "$slow"
check "the slow client is cut off after the timeout ($(cat "$dir/slow"))" grep -q '^closed [1-5]$' "$dir/slow"

# Exports over HTTP are the files themselves.
code=$(curl -s -o "$dir/district.xlsx" -D "$dir/headers" -w '%{http_code}' -H "Authorization: Bearer $op" \
  "$base/api/v1/export?table=district&year=2025")
check "GET /api/v1/export: the district workbook (200)" test "$code" = 200
check "as a spreadsheet, named" grep -qi 'content-disposition: attachment; filename="district-2025.xlsx"' "$dir/headers"
check "which agrees with the totals, cell for cell" "$src/tests/integration/check_workbook.py" "$ctl" "$dir/district.xlsx" 2025 元
check "a department's own tables as text (200)" \
  test "$(curl -s -o "$dir/dept.txt" -w '%{http_code}' -H "Authorization: Bearer $dept" "$base/api/v1/export?table=department&department=116001&format=text")" = 200
"$ctl" export department 116001 --format text -o "$dir/dept-ctl.txt" >/dev/null
check "the same text budgetctl writes" cmp "$dir/dept.txt" "$dir/dept-ctl.txt"
check "but not the district's (403)" test "$(get "$dept" "/api/v1/export?table=district&year=2025")" = 403

# The Babbage-compatible cube: the totals op's figures, reshaped.
cube="/api/3/cubes/budget"
check "the cube list names the cube" test "$(get "$op" /api/3/cubes)" = 200
check "and it is budget" grep -q '"name":"budget"' "$dir/body"
check "the model: 200" test "$(get "$op" "$cube/model")" = 200
check "the model has the function hierarchy" grep -q '"function.class","function.section","function.item"' "$dir/body"
check "aggregate by 类 for 2025: 200" test "$(get "$op" "$cube/aggregate?drilldown=function.class&cut=year:2025")" = 200
want=$("$ctl" --json totals --by function:class --year 2025 --unit 元)
babbage_agrees() { # the aggregate in $dir/body against a totals reply, cell for cell
  $py - "$dir/body" "$1" "$2" "$3" <<'EOF2'
import json, sys
got, want = json.load(open(sys.argv[1])), json.loads(sys.argv[2])
attr, dim = sys.argv[3], sys.argv[4]
cells = {c[attr]: c["amount.sum"] for c in got["cells"]}
rows = {r["key"][dim]: r["amount"] for r in want["rows"]}
ok = cells == rows and got["summary"]["amount.sum"] == want["total"] and got["total_cell_count"] == want["row_count"]
if not ok:
    print("babbage:", cells, got["summary"], "\ntotals:", rows, want["total"])
sys.exit(0 if ok else 1)
EOF2
}
check "its cells and summary are the totals op's, to the 分" babbage_agrees "$want" function.class function:class
check "a cut on a source and an item prefix: 200" \
  test "$(get "$op" "$cube/aggregate?drilldown=function.item|kind&cut=year:2025|source.code:%22general_budget%22")" = 200
check "agrees with the totals op too" test "$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["amount.sum"])' "$dir/body")" = \
  "$("$ctl" --json totals --year 2025 --unit 元 --where source:general_budget | $py -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
check "ordered by amount, paged: 200" test "$(get "$op" "$cube/aggregate?drilldown=function.class&cut=year:2025&order=amount.sum:desc&pagesize=2&page=1")" = 200
check "two cells, the largest first" $py -c 'import json,sys; c=[float(x["amount.sum"]) for x in json.load(open(sys.argv[1]))["cells"]]; sys.exit(0 if len(c)==2 and c[0]>=c[1] else 1)' "$dir/body"
check "facts: 200" test "$(get "$op" "$cube/facts?cut=year:2025&pagesize=10000")" = 200
check "the facts add up to the year's total" test "$($py -c 'import json,sys; from decimal import Decimal as D; print(sum(D(f["amount"]) for f in json.load(open(sys.argv[1]))["data"]))' "$dir/body")" = \
  "$("$ctl" --json totals --year 2025 --unit 元 | $py -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
check "members of function.class: 200" test "$(get "$op" "$cube/members/function.class?cut=year:2023")" = 200
check "are the 类 of 2023" test "$($py -c 'import json,sys; print(",".join(m["function.class"] for m in json.load(open(sys.argv[1]))["data"]))' "$dir/body")" = "201,208,221"
check "an unknown drilldown: 400" test "$(get "$op" "$cube/aggregate?drilldown=nope")" = 400
check "a cut without a value: 400" test "$(get "$op" "$cube/aggregate?cut=year")" = 400
check "page=0: 400" test "$(get "$op" "$cube/aggregate?page=0")" = 400
check "another cube: 404" test "$(get "$op" /api/3/cubes/other/aggregate)" = 404
check "a department's cube is its own" test "$(get "$dept" "$cube/aggregate")" = 200
check "its summary is its own total" grep -q '"summary":{"amount.sum":"2323100.00"}' "$dir/body"
check "the cube without a credential: 401" test "$(get "" "$cube/aggregate")" = 401

# Server-Sent Events: the log replayed from a seq, new events as they are
# stored, a reconnection resuming after Last-Event-ID, role cuts.
events_now=$("$ctl" --json events --since 0 | $py -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')
curl -sN -H "Authorization: Bearer $op" "$base/api/v1/events/stream?since=0" >"$dir/sse1" &
sse=$!
sleep 3 # longer than [http] timeout: a stream is not cut off for idling
"$ctl" submit "$data/fengquan-116001-2023-corrected.json" >/dev/null 2>&1
for _ in $(seq 30); do [ "$(grep -c '^id: ' "$dir/sse1")" -gt "$events_now" ] && break; sleep 0.1; done
kill "$sse" 2>/dev/null; wait "$sse" 2>/dev/null
check "the stream replays all $events_now stored events" test "$(grep -c '^id: ' "$dir/sse1")" -ge "$events_now"
check "and, past the idle timeout, the new one as it is stored" test "$(grep -c '^id: ' "$dir/sse1")" -eq $((events_now + 1))
check "each event's data is the events op's JSON" \
  $py -c 'import json,sys; [json.loads(l[6:]) for l in open(sys.argv[1]) if l.startswith("data: ")]' "$dir/sse1"
last=$(grep '^id: ' "$dir/sse1" | tail -1 | cut -d' ' -f2)
"$ctl" submit "$data/putuo-wanli-2025.json" >/dev/null 2>&1 # while nobody listens
curl -sN -m 2 -H "Authorization: Bearer $op" -H "Last-Event-ID: $last" "$base/api/v1/events/stream" >"$dir/sse2"
check "a reconnection with Last-Event-ID gets exactly what it missed" \
  test "$(grep '^id: ' "$dir/sse2" | cut -d' ' -f2 | tr '\n' ' ')" = "$((last + 1)) "
curl -sN -m 2 -H "Authorization: Bearer $op" "$base/api/v1/events/stream" >"$dir/sse3"
check "without Last-Event-ID, none of the past" test "$(grep -c '^id: ' "$dir/sse3")" -eq 0
curl -sN -m 2 -H "Authorization: Bearer $dept" "$base/api/v1/events/stream?since=0" >"$dir/sse4"
check "a department's stream has its own events" grep -q '"department":"116001"' "$dir/sse4"
check "and no other department's" bash -c "! grep -q '\"department\":\"215001\"' '$dir/sse4'"
check "a stream without a credential: 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/events/stream")" = 401
check "Last-Event-ID that is not a seq: 400" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $op" -H 'Last-Event-ID: x' "$base/api/v1/events/stream")" = 400

# Metrics, and no CORS unless configured.
check "GET /metrics without a credential: 401" test "$(get "" /metrics)" = 401
check "GET /metrics as a department: 403" test "$(get "$dept" /metrics)" = 403
check "GET /metrics as an operator: 200" test "$(get "$op" /metrics)" = 200
check "metrics count the requests" grep -q '^budgetd_requests_total [1-9]' "$dir/body"
check "metrics count 4xx replies" grep -q '^budgetd_http_responses_total{class="4xx"} [1-9]' "$dir/body"
check "metrics have the departments" grep -q '^budgetd_departments 2$' "$dir/body"
check "metrics count replies by op and outcome" grep -q '^budgetd_replies_total{op="submit",outcome="rejected"} [1-9]' "$dir/body"
check "and accepted submissions" grep -q '^budgetd_replies_total{op="submit",outcome="ok"} [1-9]' "$dir/body"
check "metrics count findings by rule (the sample's six arithmetic errors)" grep -q '^budgetd_findings_total{rule="arith\.' "$dir/body"
# With a subscriber on the PUB socket, a submission publishes.
nngcat --sub --dial "ipc://$dir/pub.sock" --subscribe "" --format raw --recv-timeout 5 >/dev/null 2>&1 &
sub=$!
sleep 0.5
"$ctl" submit "$data/putuo-wanli-2025.json" >/dev/null 2>&1
kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
# Two heartbeats without a request: the burst's freed memory goes back.
sleep 2.5
get "$op" /metrics >/dev/null
check "metrics count published messages" grep -q '^budgetd_published_total [1-9]' "$dir/body"
check "a quiet spell after requests gave memory back" grep -q '^budgetd_memory_trims_total [1-9]' "$dir/body"
check "metrics have the commit time" grep -q '^budgetd_store_last_commit_seconds ' "$dir/body"
check "a commit-time histogram with every commit in +Inf" $py -c '
import re, sys
t = open(sys.argv[1]).read()
inf = int(re.search(r"^budgetd_commit_seconds_bucket\{le=\"\+Inf\"\} (\d+)$", t, re.M).group(1))
count = int(re.search(r"^budgetd_commit_seconds_count (\d+)$", t, re.M).group(1))
commits = float(re.search(r"^budgetd_store_commits_total (\S+)$", t, re.M).group(1))
buckets = [int(x) for x in re.findall(r"^budgetd_commit_seconds_bucket\{le=\"[^+]+\"\} (\d+)$", t, re.M)]
sys.exit(0 if inf == count == commits and buckets == sorted(buckets) and inf >= 1 else 1)' "$dir/body"
check "a batch-size histogram" grep -q '^budgetd_commit_batch_jobs_bucket{le="1"} ' "$dir/body"
check "audit time per plugin" grep -q '^budgetd_audit_seconds_total{plugin="arith"} ' "$dir/body"
check "submission stages" grep -q '^budgetd_submission_stage_seconds_total{stage="commit"} ' "$dir/body"
check "documents audited per plugin" grep -q '^budgetd_audits_total{plugin="arith"} [1-9]' "$dir/body"
# promtool is not on a Debian build machine: the same strict reading of
# the text format in check_metrics.py, proven to refuse a broken one.
check "the metrics are well-formed exposition text" $py "$src/tests/integration/check_metrics.py" "$dir/body"
printf '# HELP a_total A.\n# TYPE a_total counter\na_total 1\na_total 2\n# TYPE b histogram\nb_bucket{le="1"} 3\nb_bucket{le="+Inf"} 2\nb_count 2\n' >"$dir/broken.prom"
check "and the reading refuses a duplicate series and a falling histogram" \
  bash -c "! $py '$src/tests/integration/check_metrics.py' '$dir/broken.prom' >/dev/null"
check "no CORS header unless configured" bash -c "! curl -s -D - -o /dev/null -H 'Authorization: Bearer $op' '$base/api/v1/status' | grep -qi access-control"
check "the daemon still serves nng" exit_is 0 "$ctl" status
check "and HTTP" test "$(get "$op" /api/v1/status)" = 200

# Clients that give up before their answer: the daemon answers nobody
# and loses nothing (the leak checker below sees any request left over).
for _ in $(seq 20); do
  curl -s -o /dev/null -m 0.01 -H "Authorization: Bearer $dept" \
    --data-binary @"$data/fengquan-116001-2023-corrected.json" "$base/api/v1/submissions"
done
check "the daemon serves after clients hung up on it" test "$(get "$op" /api/v1/status)" = 200

# The connection limit: twelve idle connections fill it; a thirteenth
# client waits (the kernel holds it) and is served once they close.
$py - "$port" "$dir/held" <<'EOF' &
import os, socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(12)]
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.05)
for s in held:
    s.close()
EOF
holder=$!
for _ in $(seq 100); do [ -e "$dir/held" ] && break; sleep 0.05; done
sleep 0.3
check "at max_connections a new client waits (nng still serves)" bash -c "
  curl -s -o /dev/null -m 0.5 -H 'Authorization: Bearer $op' '$base/api/v1/status'; [ \$? -eq 28 ] && '$ctl' status >/dev/null"
curl -s -o "$dir/waited" -w '%{http_code}' -m 10 -H "Authorization: Bearer $op" "$base/api/v1/status" >"$dir/waited.code" &
waiter=$!
sleep 0.5
rm -f "$dir/held"; wait "$holder"
wait "$waiter"
check "and is served when connections close" test "$(cat "$dir/waited.code")" = 200
get "$op" /metrics >/dev/null
check "metrics count the pause" grep -q '^budgetd_http_accept_pauses_total [1-9]' "$dir/body"
check "and the limit" grep -q '^budgetd_http_connections_limit 12$' "$dir/body"
accepted=$(sed -n 's/^budgetd_http_accepted_total //p' "$dir/body")
counts=$(sed -n 's/^budgetd_http_connection_counts_total //p' "$dir/body")
check "the kernel's table is read far less often than connections come ($counts reads, $accepted accepted)" \
  $py -c 'import sys; c, a = map(float, sys.argv[1:]); sys.exit(0 if 1 <= c and c * 4 <= a else 1)' "$counts" "$accepted"
check "and the connections open (this one)" grep -q '^budgetd_http_connections [1-9]' "$dir/body"

# A clean stop with streams and keep-alive connections open: exit 0, and
# under the sanitizers no report (a leak fails here).
curl -sN -m 5 -H "Authorization: Bearer $op" "$base/api/v1/events/stream" >/dev/null &
sleep 0.3
kill -TERM "$daemon"; wait "$daemon"; status=$?; daemon=
check "the daemon stops cleanly with a stream open (exit $status)" test "$status" -eq 0
check "and no sanitizer report" bash -c "! grep -q 'Sanitizer' '$dir/daemon.log'"
wait

finish
