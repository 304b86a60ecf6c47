#!/usr/bin/env bash
# The man pages and the bash completion against the programs: every option
# either program's help names is documented, every key of the shipped
# config is, each page renders, and the completion offers the commands.
set -uo pipefail
bin=$1 man=$2 src=$3
failures=0 passes=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
documented() { # page source, option
  grep -q -- "\*$2\*" "$1" || grep -q -- "$2" "$1"
}

for page in budgetd.8 budgetctl.1 budgetd.conf.5; do
  check "$page renders" bash -c "MANWIDTH=80 man -l '$man/$page' 2>&1 >/dev/null | grep -q . && exit 1 || MANWIDTH=80 man -l '$man/$page' | grep -q NAME"
done
for opt in $("$bin/budgetd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  check "budgetd $opt is in budgetd(8)" documented "$src/docs/man/budgetd.8.scd" "$opt"
done
# budgetctl's options, from its help and every command's.
opts=$( { "$bin/budgetctl" --help
  for c in $("$bin/budgetctl" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF {print $1}' | grep -v Commands:); do
    "$bin/budgetctl" help "$c"
  done; } | grep -o -- '--[a-z][a-z-]*' | sort -u)
for opt in $opts; do
  check "budgetctl $opt is in budgetctl(1)" documented "$src/docs/man/budgetctl.1.scd" "$opt"
done
for c in $("$bin/budgetctl" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF {print $1}' | grep -v Commands:); do
  check "budgetctl $c is in budgetctl(1)" grep -q "^\*$c\*\|^\*credential add\*" "$src/docs/man/budgetctl.1.scd"
  check "the completion offers $c" bash -c "source '$src/completions/budgetctl'; COMP_WORDS=(budgetctl '${c:0:3}'); COMP_CWORD=1; _budgetctl; [[ \" \${COMPREPLY[*]} \" == *' $c '* ]]"
done
for key in $(grep -o '^#\? *[a-z_]\+ =' "$src/conf/budgetd.conf" | tr -d '# =' | sort -u); do
  check "config key $key is in budgetd.conf(5)" grep -q "\*$key\*" "$src/docs/man/budgetd.conf.5.scd"
done
check "the completion knows the dimensions" bash -c "source '$src/completions/budgetctl'; COMP_WORDS=(budgetctl totals --by fun); COMP_CWORD=3; _budgetctl; [[ \${#COMPREPLY[@]} -eq 3 ]]"

echo "man: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
