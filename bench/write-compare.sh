#!/usr/bin/env bash
# Compares the write path of two silo builds side by side: this tree's and another build's silo (BASE_DLL, e.g. a
# worktree of an earlier commit built with `dotnet build src/Silo -c Release`), both stores, role control_plane,
# interleaved REPS times; prints every run and the medians per build and store. Env: REPS, ROUTES, WRITES, RATE.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE_DLL:?set BASE_DLL to the OrleansGateway.Silo.dll of the build to compare with}"
REPS=${REPS:-3}
ROUTES=${ROUTES:-100000}
WRITES=${WRITES:-10000}
RATE=${RATE:-500}
STORES=${STORES:-"embedded postgresql"}   # which stores to run
scripts/test-deps.sh >/dev/null
source .test-env
source bench/lib.sh
dotnet build bench/WriteBench -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
out=$(mktemp)
for rep in $(seq 1 "$REPS"); do
  for store in $STORES; do
    mode=""; [ "$store" = postgresql ] && mode="--postgresql"
    for build in base this; do
      dll=""; [ "$build" = base ] && dll="$BASE_DLL"
      line=$(OG_SILO_DLL="$dll" dotnet bench/WriteBench/bin/Release/net10.0/OrleansGateway.WriteBench.dll \
        --routes "$ROUTES" --writes "$WRITES" --rate "$RATE" $mode --set "deployment__role=control_plane" | grep mode=)
      echo "rep=$rep build=$build $line" | tee -a "$out"
    done
  done
done
echo "medians (bulk_load_s, p50_ms, p99_ms, p99 after the first 5 s, max_ms, silo_rss_mb):"
for mode in embedded-sqlite postgresql; do
  for build in base this; do
    rows=$(grep "build=$build mode=$mode " "$out")
    echo "$mode build=$build load=$(med bulk_load_s "$rows") p50=$(med p50_ms "$rows") p99=$(med p99_ms "$rows") p99_after_5s=$(med p99_after_5s_ms "$rows") max=$(med max_ms "$rows") rss=$(med silo_rss_mb "$rows")"
  done
done
