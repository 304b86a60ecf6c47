# Sourced by the shell integration tests: counted checks, and the daemon
# they start (stopped and its directory removed on exit).
#   dir      a scratch directory (set before sourcing)
#   daemon   the pid of the daemon started, if any
failures=0 passes=0

# check DESCRIPTION COMMAND...: counts one check; prints FAIL when it fails.
check() {
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# exit_is STATUS COMMAND...: whether the command exits with STATUS.
exit_is() { local want=$1; shift; "$@" >/dev/null 2>&1; [ $? -eq "$want" ]; }

# The last line ctest and CI read; the script's status.
finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}

cleanup() {
  [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# start_http_daemon BIN SRC PORT TRUST [EXTRA_CONFIG]: budgetd with an ipc
# listener at $BUDGETD_ENDPOINT and HTTP on 127.0.0.1:PORT, the shipped
# catalogue and rules; waits until HTTP answers.
start_http_daemon() {
  local bin=$1 src=$2 port=$3 trust=$4 extra=${5:-}
  cat >"$dir/budgetd.conf" <<EOC
[daemon]
listen = $BUDGETD_ENDPOINT
publish = ipc://$dir/pub.sock
state_dir = $dir/state
trust = $trust
$extra
[http]
listen = 127.0.0.1:$port
${HTTP_EXTRA:-}
[plugin.catalog]
dir = $src/conf/catalog
[plugin.rules]
files = $src/conf/rules/*.rules
EOC
  "$bin/budgetd" --config "$dir/budgetd.conf" 2>"$dir/daemon.log" &
  daemon=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/status" && return 0; sleep 0.1; done
  echo "budgetd did not start:"; cat "$dir/daemon.log"; return 1
}
