#!/usr/bin/env bash
# The systemd unit as installed: systemd-analyze verify finds nothing to
# say about it, and systemd-analyze security scores it under 2.0 ("OK").
# Skipped (77) where systemd is not installed.
set -uo pipefail
build=$1 prefix=$2
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze: skipped"; exit 77; }
root=$(mktemp -d /tmp/budgetd-unit-XXXXXX)
trap 'rm -rf "$root"' EXIT
DESTDIR=$root cmake --install "$build" >/dev/null || exit 1
# The targets the unit orders itself against, as the machine has them.
mkdir -p "$root/usr/lib/systemd/system"
cp -L /usr/lib/systemd/system/*.target "$root/usr/lib/systemd/system/" 2>/dev/null
unit=$root$prefix/lib/systemd/system/budgetd.service
failures=0
said=$(systemd-analyze verify --root="$root" "$unit" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$said" ]; then
  echo "FAIL: systemd-analyze verify (exit $rc): $said"
  failures=$((failures + 1))
fi
report=$(systemd-analyze security --offline=yes --root="$root" "$unit" 2>&1)
score=$(grep -o 'Overall exposure level for budgetd.service: [0-9.]*' <<<"$report" | grep -o '[0-9.]*$')
echo "systemd-analyze security: exposure ${score:-?}"
if [ -z "$score" ] || ! awk -v s="$score" 'BEGIN { exit !(s < 2.0) }'; then
  echo "FAIL: exposure ${score:-unknown}, not under 2.0"
  grep '✗' <<<"$report"
  failures=$((failures + 1))
fi
echo "unit: $((2 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
