#!/usr/bin/env bash
# Runs the write-path benchmark side by side: embedded SQLite and PostgreSQL, the silo alone (role control_plane) and
# with its in-process proxy following the written group (role traditional, the embedded default), interleaved, REPS
# times each, and prints every run plus the median p50/p99 per variant. (Server against workstation GC was settled
# on 2026-11-25: bench/README.md.)
# Needs PostgreSQL (scripts/test-deps.sh sets it up and writes .test-env).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
ROUTES=${ROUTES:-100000}
WRITES=${WRITES:-10000}
RATE=${RATE:-500}
scripts/test-deps.sh >/dev/null
source .test-env
source bench/lib.sh
dotnet build bench/WriteBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
out=$(mktemp)
for rep in $(seq 1 "$REPS"); do
  for mode in "" "--postgresql"; do
    for role in control_plane traditional; do
      line=$(dotnet bench/WriteBench/bin/Release/net10.0/OrleansGateway.WriteBench.dll \
        --routes "$ROUTES" --writes "$WRITES" --rate "$RATE" $mode --set "deployment__role=$role" | grep mode=)
      echo "rep=$rep role=$role $line" | tee -a "$out"
    done
  done
done
echo "medians (p50_ms, p99_ms, p99 of the writes sent after the first 5 s, max_ms, silo_rss_mb):"
for mode in embedded-sqlite postgresql; do
  for role in control_plane traditional; do
    rows=$(grep "role=$role mode=$mode " "$out")
    echo "$mode role=$role p50=$(med p50_ms "$rows") p99=$(med p99_ms "$rows") p99_after_5s=$(med p99_after_5s_ms "$rows") max=$(med max_ms "$rows") rss=$(med silo_rss_mb "$rows")"
  done
done
