#!/usr/bin/env bash
# The web console, served by the real daemon and loaded by Chromium: the
# overview shows the district's total exactly as the totals op gives it
# and draws its charts with ECharts; a department's page lists its lines
# with their printed amounts; the files are served safely.
set -uo pipefail
bin=$1 data=$2 src=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/budgetd-console-XXXXXX)
ctl=$bin/budgetctl
py=/usr/bin/python3
export BUDGETD_ENDPOINT="ipc://$dir/req.sock"
port=$(/usr/bin/python3 "$src/tests/integration/free_port.py" 11) || exit 1
base="http://127.0.0.1:$port"
. "$src/tests/integration/checks.sh"

# The console on loopback, trusted as the demo runs it.
start_http_daemon "$bin" "$src" "$port" "ipc, http" || exit 1
check "samples accepted" exit_is 0 "$ctl" submit "$data/putuo-wanli-2025.json" "$data/fengquan-116001-2023-corrected.json"

code() { curl -s -o "$dir/body" -w '%{http_code}' "$base$1"; }
check "/ leads to the console (302)" test "$(code /)" = 302
check "the console page: 200" test "$(code /console/)" = 200
check "in Chinese" grep -q '区级部门预算' "$dir/body"
check "ECharts is installed and served" test "$(code /console/echarts.min.js)" = 200
check "and is the library ($(stat -c %s "$dir/body") bytes)" test "$(stat -c %s "$dir/body")" -gt 100000
check "app.js as JavaScript" test "$(curl -s -o /dev/null -w '%{content_type}' "$base/console/app.js")" = "text/javascript; charset=utf-8"
check "no file outside the console (..)" test "$(code /console/..%2f..%2fetc%2fpasswd)" = 404
check "no file of another kind" test "$(code /console/budgetd.db)" = 404
check "no hidden file" test "$(code /console/.env.js)" = 404
check "the catalogue's names for the labels" test "$(code '/api/v1/names?year=2025')" = 200
check "name 201" grep -q '"201":"一般公共服务支出"' "$dir/body"
check "names need a year" test "$(code '/api/v1/names?year=x')" = 400

browse() { # url → the DOM after the page has drawn (no event stream: ?live=0)
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --virtual-time-budget=15000 --dump-dom "$1" 2>/dev/null
}
browse "$base/console/?live=0" >"$dir/overview.html"
check "the overview drew (data-ready)" grep -q 'data-ready="true"' "$dir/overview.html"
want=$("$ctl" --json totals --year 2025 --unit 元 | $py -c '
import json, sys
t = json.load(sys.stdin)["total"]
i, d = t.split(".")
print(f"{int(i):,}.{d}")')
check "the total shown is the totals op's, exactly ($want)" grep -q "id=\"total\" class=\"amount\">$want<" "$dir/overview.html"
check "five charts drawn (treemap, sources, kinds, departments, comparison)" \
  test "$(grep -o '<canvas' "$dir/overview.html" | wc -l)" -ge 5
n=$("$ctl" --json departments --year 2025 | $py -c 'import json,sys; print(len(json.load(sys.stdin)["departments"]))')
check "the newest year's departments counted ($n)" grep -q "id=\"departments\" class=\"amount\">$n<" "$dir/overview.html"

browse "$base/console/?live=0#/dept/116001" >"$dir/dept.html"
check "the department page names the department" grep -q '新乡市凤泉区政务服务和大数据管理局（116001）' "$dir/dept.html"
lines=$("$ctl" --json show 116001 | $py -c 'import json,sys; print(len(json.load(sys.stdin)["document"]["expenditure"]))')
check "one row per line ($lines)" test "$(grep -o '<td class="num">[^<]*万元</td>' "$dir/dept.html" | wc -l)" -eq "$lines"
check "amounts as the document prints them" grep -q '<td class="num">122.10 万元</td>' "$dir/dept.html"
check "its revision listed" grep -q '<td>accepted</td>' "$dir/dept.html"
check "where its budget year stands (issue 10's case)" grep -q '<p id="dept-case">一上（建议数） · 已报送 · 第 1 次修订</p>' "$dir/dept.html"
check "and the transition that put it there" grep -q '<td>一上（建议数）</td><td>—</td><td>已报送</td>' "$dir/dept.html"
check "its findings, grouped by table" grep -q '<h4>支出预算表（支出明细）</h4>' "$dir/dept.html"
check "the name warning among them" grep -q 'catalog.function.name_variant' "$dir/dept.html"

# Live: Chromium with its DevTools port on loopback; a submission moves
# the overview without a reload.  Screenshots are kept as artifacts.
artifacts=${BUDGETD_ARTIFACTS:-$bin/../test-artifacts}
mkdir -p "$artifacts"
devtools=$(/usr/bin/python3 "$src/tests/integration/free_port.py" 12) || exit 1
chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --remote-debugging-address=127.0.0.1 --remote-debugging-port=$devtools \
  --user-data-dir="$dir/chromium" about:blank >/dev/null 2>&1 &
browser=$!
$py - "$data/putuo-wanli-2025.json" "$dir/another.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["department"]["code"], d["department"]["name"] = "215099", "另一个单位"
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
EOF
out=$(timeout 120 $py "$src/tests/integration/console_live.py" $devtools "$base/console/" "$ctl" "$dir/another.json" 2025 "$artifacts" 2>&1)
echo "$out"
kill "$browser" 2>/dev/null; wait "$browser" 2>/dev/null
check "live: the overview shows the API's total with the stream open" grep -q "^ok: the overview shows" <<<"$out"
check "live: a submission redraws it without a reload" grep -q "^ok: the page showed the new total" <<<"$out"
check "live: screenshots saved" test -s "$artifacts/console-after.png"
check "the daemon still serves" exit_is 0 "$ctl" status

finish
