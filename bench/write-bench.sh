#!/usr/bin/env bash
# Runs the write-path benchmark side by side: embedded SQLite and PostgreSQL, server GC and workstation GC,
# interleaved, REPS times each, and prints every run plus the median p50/p99 per variant.
# Needs PostgreSQL (scripts/test-deps.sh sets it up and writes .test-env).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
ROUTES=${ROUTES:-100000}
WRITES=${WRITES:-10000}
RATE=${RATE:-500}
scripts/test-deps.sh >/dev/null
source .test-env
dotnet build bench/WriteBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
out=$(mktemp)
for rep in $(seq 1 "$REPS"); do
  for mode in "" "--postgresql"; do
    for gc in 1 0; do
      line=$(DOTNET_gcServer=$gc dotnet bench/WriteBench/bin/Release/net10.0/OrleansGateway.WriteBench.dll \
        --routes "$ROUTES" --writes "$WRITES" --rate "$RATE" $mode | grep mode=)
      echo "rep=$rep gcServer=$gc $line" | tee -a "$out"
    done
  done
done
echo "medians (p50_ms, p99_ms, max_ms, silo_rss_mb):"
for mode in embedded-sqlite postgresql; do
  for gc in 1 0; do
    rows=$(grep "gcServer=$gc mode=$mode " "$out")
    med() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$rows" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    echo "$mode gcServer=$gc p50=$(med p50_ms) p99=$(med p99_ms) max=$(med max_ms) rss=$(med silo_rss_mb)"
  done
done
