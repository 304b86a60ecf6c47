#!/usr/bin/env bash
# TLS: a tls+tcp listener with a server certificate and required client
# certificates, talked to by budgetctl with certificates made here.
set -uo pipefail
bin=$(cd "$1" && pwd) conf=$(cd "$2" && pwd)
dir=$(mktemp -d /tmp/budgetd-tls-XXXXXX)
ctl=$bin/budgetctl
port=$(/usr/bin/python3 "$(dirname "$0")/free_port.py" 13) || exit 1
failures=0 passes=0
check() { local what=$1; shift; if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi; }
exit_is() { local want=$1; shift; "$@" >"$dir/out" 2>&1; local got=$?; [ $got -eq "$want" ] || { echo "  exit $got, wanted $want:"; cat "$dir/out"; return 1; }; }
cleanup() { [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

cd "$dir"
make_ca() { # name
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.pem" 2>/dev/null
}
make_cert() { # name ca san
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  cat "$1.crt" "$1.key" >"$1.pem"
}
make_ca ca
make_ca rogue-ca
make_cert server ca "DNS:localhost,IP:127.0.0.1"
make_cert client ca "DNS:client"
make_cert rogue rogue-ca "DNS:rogue"
cd - >/dev/null

cat >"$dir/budgetd.conf" <<CONF
[daemon]
listen = ipc://$dir/req.sock, tls+tcp://127.0.0.1:$port
publish = ipc://$dir/pub.sock
state_dir = $dir/state
tls_cert_key = $dir/server.pem
tls_client_ca = $dir/ca.pem
[plugin.catalog]
dir = $conf/catalog
CONF
"$bin/budgetd" --config "$dir/budgetd.conf" --plugin-dir "$bin/../lib/budgetd/plugins" \
  2>"$dir/daemon.log" &
daemon=$!
local_ctl() { "$ctl" --endpoint "ipc://$dir/req.sock" "$@"; }
for _ in $(seq 50); do local_ctl status >/dev/null 2>&1 && break; sleep 0.1; done
token=$(local_ctl --json credential add analyst --role operator |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
check "a credential was issued" test -n "$token"

# mbedTLS matches the server name against DNS names, not IP addresses.
tls=(--endpoint "tls+tcp://127.0.0.1:$port" --timeout 3000 --tls-server-name localhost)
check "TLS with a client certificate and a token" \
  exit_is 0 "$ctl" "${tls[@]}" --tls-ca "$dir/ca.pem" --tls-cert "$dir/client.pem" --token "$token" status
check "status says the TLS listener requires credentials" \
  grep -q "tls+tcp://127.0.0.1:$port (credentials required)" "$dir/out"
check "TLS without a token is refused (1)" \
  exit_is 1 "$ctl" "${tls[@]}" --tls-ca "$dir/ca.pem" --tls-cert "$dir/client.pem" status
check "no client certificate: no connection (2)" \
  exit_is 2 "$ctl" "${tls[@]}" --tls-ca "$dir/ca.pem" --token "$token" status
check "a client certificate from another CA: no connection (2)" \
  exit_is 2 "$ctl" "${tls[@]}" --tls-ca "$dir/ca.pem" --tls-cert "$dir/rogue.pem" --token "$token" status
check "a daemon certificate we do not trust: no connection (2)" \
  exit_is 2 "$ctl" "${tls[@]}" --tls-ca "$dir/rogue-ca.pem" --tls-cert "$dir/client.pem" --token "$token" status
check "a TLS endpoint without --tls-ca is a usage error (2)" \
  exit_is 2 "$ctl" "${tls[@]}" --token "$token" status
check "the message says which option is missing" grep -q -- "--tls-ca" "$dir/out"

echo "tls: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
