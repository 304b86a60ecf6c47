#!/usr/bin/env bash
# The Debian package on this machine, as an administrator meets it:
# installed with apt (its dependencies resolved), files in their FHS
# places, the config checked as the service user, the daemon started from
# the installed files and fed the sample, then removed (the budgets stay)
# and purged (they go).  Needs root; changes the machine, so CI runs it
# (scripts/test), not ctest.
set -uo pipefail
deb=$1
[ "$(id -u)" -eq 0 ] || { echo "package: not root, skipped"; exit 0; }
if dpkg-query -W -f='${Status}' budgetd 2>/dev/null | grep -q "install ok installed"; then
  echo "package: a budgetd package is installed here already; not touching it"
  exit 0
fi
failures=0 passes=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
daemon=
cleanup() {
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null
  dpkg -P budgetd >/dev/null 2>&1
}
trap cleanup EXIT

check "apt installs the package and its dependencies" \
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb"
for f in /usr/sbin/budgetd /usr/bin/budgetctl /etc/budgetd/budgetd.conf \
  /etc/budgetd/catalog/2023/function.csv /usr/lib/systemd/system/budgetd.service \
  /usr/lib/sysusers.d/budgetd.conf /usr/share/man/man8/budgetd.8.gz \
  /usr/share/doc/budgetd/copyright /usr/share/bash-completion/completions/budgetctl \
  "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/budgetd/plugins/totals.so"; do
  check "$f is installed" test -e "$f"
done
check "the config is a conffile" grep -q "^ /etc/budgetd/budgetd.conf " <<<"$(dpkg-query -W -f='${Conffiles}\n' budgetd)"
check "postinst made the service user" getent passwd budgetd
check "and its state directory" test "$(stat -c %U:%a /var/lib/budgetd)" = "budgetd:750"
check "budgetd --check-config passes as the service user" \
  runuser -u budgetd -- /usr/sbin/budgetd --check-config
check "man renders budgetd(8)" bash -c "man budgetd 2>/dev/null | grep -q 'SYNOPSIS'"

# The daemon from the installed files, as systemd would run it (the
# runtime directory is systemd's to make; here, ours).
install -d -o budgetd -g budgetd -m 0750 /run/budgetd
runuser -u budgetd -- /usr/sbin/budgetd 2>/tmp/budgetd-package.log &
daemon=$!
for _ in $(seq 50); do budgetctl status >/dev/null 2>&1 && break; sleep 0.1; done
check "the installed daemon answers on /run/budgetd" budgetctl status
check "the sample is accepted" bash -c "budgetctl submit /usr/share/doc/budgetd/examples/fengquan-116001-2023-corrected.json >/dev/null"
totals=$(budgetctl totals --by function:class --year 2023 2>&1)
check "its totals are there (got: $totals)" grep -q "^total .* 232.31" <<<"$totals"
check "the store is the service user's" test "$(stat -c %U /var/lib/budgetd/budgetd.db)" = budgetd
kill -TERM "$daemon"; wait "$daemon"; daemon=

check "remove succeeds" dpkg -r budgetd
check "the program is gone" test ! -e /usr/sbin/budgetd
check "the budgets stay after remove" test -f /var/lib/budgetd/budgetd.db
check "so does the config" test -f /etc/budgetd/budgetd.conf
check "purge succeeds" dpkg -P budgetd
check "purge removes the budgets" test ! -e /var/lib/budgetd
check "and the config" test ! -e /etc/budgetd
rm -rf /run/budgetd /tmp/budgetd-package.log

echo "package: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
