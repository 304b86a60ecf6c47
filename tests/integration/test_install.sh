#!/usr/bin/env bash
# The installation as an administrator meets it: `cmake --install` into a
# scratch DESTDIR, an operator's edits, and a reinstall that must keep them.
set -uo pipefail
build=$1 prefix=$2 sysconf=$3 docdir=$4 sbindir=$5
dest=$(mktemp -d /tmp/budgetd-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
failures=0 passes=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
install_once() { DESTDIR=$dest cmake --install "$build" >"$dest.log" 2>&1; }

check "the first install succeeds" install_once
etc=$dest$sysconf/budgetd
check "the config is installed" test -f "$etc/budgetd.conf"
check "so is the catalogue" test -f "$etc/catalog/2023/function.csv"
check "pristine defaults beside the program" test -f "$dest$prefix/share/budgetd/defaults/budgetd.conf"
check "no README or examples under the config directory" test -z "$(find "$etc" -name 'README*' -o -name examples)"
for doc in README.md LICENSE protocol.md security.md rules.md import.md catalog.md; do
  check "$doc is installed" test -f "$dest$docdir/$doc"
done
check "the examples go to the documentation" test -d "$dest$docdir/examples"
check "the man pages are installed" test -f "$dest$prefix/share/man/man8/budgetd.8.gz" -a -f "$dest$prefix/share/man/man1/budgetctl.1.gz" -a -f "$dest$prefix/share/man/man5/budgetd.conf.5.gz"
check "so is the bash completion" test -f "$dest$prefix/share/bash-completion/completions/budgetctl"
unit=$dest$prefix/lib/systemd/system/budgetd.service
check "the unit starts the installed program" grep -q "^ExecStart=$sbindir/budgetd " "$unit"
check "and it is there" test -x "$dest$sbindir/budgetd"
check "ExecReload goes through the socket, not a signal" grep -q "^ExecReload=$sbindir/budgetd .* --reload$" "$unit"
for hardening in RemoveIPC=yes PrivateMounts=yes ProtectProc=invisible ProcSubset=pid; do
  check "the unit has $hardening" grep -q "^$hardening$" "$unit"
done

# The operator edits the config and puts the official catalogue in place.
echo "# edited by the operator" >>"$etc/budgetd.conf"
echo "201,一般公共服务支出,X" >"$etc/catalog/2023/function.csv"
rm "$etc/rules/standard.rules"
check "a reinstall succeeds" install_once
check "it keeps the edited config" grep -q "edited by the operator" "$etc/budgetd.conf"
check "it keeps the operator's catalogue" test "$(cat "$etc/catalog/2023/function.csv")" = "201,一般公共服务支出,X"
check "it puts back what the operator has not got" test -f "$etc/rules/standard.rules"
check "it says what it kept" grep -q "Kept (yours): .*budgetd.conf" "$dest.log"
rm -f "$dest.log"

echo "install: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
