#!/usr/bin/env bash
# The CPU each suite (or test file) costs (user + system seconds, its child processes and worker
# threads included), most expensive first: run each alone, the way tap runs it but without
# coverage, and let bash's `time` add up what it used. By default the suites, which are what
# `npm test` runs (test/architecture/suites.test.ts); name test files to see what each costs
# alone. Wall time on a shared machine says little; CPU time is what the suite's budget is kept
# in (docs/contributing.md).
#
#   npm run test:cost                       # every suite (takes as long as the suite)
#   npm run test:cost -- test/http/*.test.ts
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then mapfile -t files < <(find test -name '*.suite.ts' | sort); else files=("$@"); fi
# What .taprc gives each test process: the loader, tap's own plugins' environment, the timeout.
export TAP_TIMEOUT=120 TAP_TYPE_STRIP_ONLY=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
TIMEFORMAT='%U %S %R'
total=0
for f in "${files[@]}"; do
  t=$( { time node --import=./test/loader.mjs --enable-source-maps "$f" >/dev/null 2>&1; } 2>&1 ) || t="$t FAILED"
  read -r user sys wall rest <<<"$t"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  printf '%7s s CPU %7s s wall  %s %s\n' "$cpu" "$wall" "$f" "${rest:-}" | tee -a "$out" >&2
done
echo '--- most expensive first' >&2
sort -rn "$out"
awk '{ s += $1 } END { printf "%.0f s CPU in %d files\n", s, NR }' "$out"
