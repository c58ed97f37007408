#!/usr/bin/env bash
# The test command (README): installs and starts what the tests need, builds, runs every test project and ends
# with one line "N passed, N failed". Exit status is non-zero when anything failed or did not run.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/test-deps.sh || { echo "test dependencies could not be installed"; echo "0 passed, 1 failed"; exit 1; }
# shellcheck disable=SC1091
source .test-env

results=TestResults
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build OrleansGateway.sln -nologo -v quiet -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" --no-build -nologo --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=2400000 || status=1
done

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
done
expected=$(ls tests/*/*.Tests.csproj | wc -l)
found=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$found" -lt "$expected" ]; then
  echo "$((expected - found)) test project(s) produced no results"
  failed=$((failed + expected - found))
fi
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
  status=1
fi
if [ "$failed" -gt 0 ]; then
  # Repeat each failure (name and the head of its message) at the end, where a truncated log still shows it.
  echo "== failures"
  if command -v python3 >/dev/null; then python3 scripts/trx-failures.py "$results"/*.trx; else grep -h -o 'testName="[^"]*" [^>]*outcome="Failed"' "$results"/*.trx; fi
fi
echo "$passed passed, $failed failed"
exit $status
