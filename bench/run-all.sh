#!/usr/bin/env bash
# Runs every benchmark of the project, one after the other on this machine, and writes a dated results file
# bench/results/YYYY-MM-DD-HHMM.md (machine, versions, method, every run's figures with medians and ratios), copied
# to bench/results/latest.md. Installs what it needs (PostgreSQL and s3rver via scripts/test-deps.sh; wrk and nginx
# from apt). QUICK=1 runs each benchmark small, to check the runner itself (figures then mean nothing).
# Takes about 32 minutes in full on the 2-core development machine.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  write_args=(REPS=1 ROUTES=2000 WRITES=500); snap_routes=1000; snap_reps=1
  prop_routes=100; prop_changes=50; cold_routes=1000; cold_reps=1; proxy_reps=1; proxy_seconds=2
  cache_routes=1000; cache_changes=20
  fleet_dps=50; fleet_changes=10; fleet_warm=(--settle-seconds 5 --fleet-warm-seconds 3)
  many_groups=20; many_dps=5; many_changes=20
else
  write_args=(REPS=3 ROUTES=100000 WRITES=10000); snap_routes=1000,10000,100000; snap_reps=3
  prop_routes=100,10000; prop_changes=1000; cold_routes=10000; cold_reps=3; proxy_reps=5; proxy_seconds=10
  cache_routes=10000,100000; cache_changes=300
  fleet_dps=1000; fleet_changes=50; fleet_warm=()
  many_groups=1000; many_dps=10; many_changes=200
fi

scripts/test-deps.sh >/dev/null
# shellcheck disable=SC1091
source .test-env
if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
  echo "run-all: installing wrk and nginx from apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk nginx >/dev/null
fi

for project in WriteBench SnapshotBench DataPlaneBench CacheBench FleetSim; do
  dotnet build "bench/$project" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
done
bin() { echo "bench/$1/bin/Release/net10.0/OrleansGateway.$1.dll"; }

mkdir -p bench/results
stamp=$(date -u +%Y-%m-%d-%H%M)
out="bench/results/$stamp.md"
section() { printf '\n## %s\n\n%s\n\n```\n' "$1" "$2" >>"$out"; }
endsection() { printf '```\n' >>"$out"; }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
{
  echo "# Benchmark results, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "Made by \`bench/run-all.sh\`$([ "$QUICK" = 1 ] && echo ' with QUICK=1 (a smoke run: figures mean nothing)'). Every benchmark runs its variants side by side"
  echo "(interleaved where it has several), on one shared and noisy machine: compare figures within this file."
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| commit | $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)') |"
  echo "| machine | $(nproc) cores ($cpu), $mem, $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) |"
  echo "| load before the run | $(cut -d' ' -f1-3 /proc/loadavg) |"
  echo "| .NET | SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}') |"
  echo "| PostgreSQL | $(psql --version | awk '{print $3}') (same machine) |"
  echo "| s3rver | $(node -p "require('./tests/s3rver/node_modules/s3rver/package.json').version"), Node.js $(node --version) |"
  echo "| nginx / wrk | $(nginx -v 2>&1 | sed 's/.*nginx\///') / $(wrk -v 2>&1 | head -n 1 | awk '{print $2}') |"
} >"$out"

section "Write path: single-route PUTs on a group of many routes" \
  "bench/write-bench.sh: a real silo (embedded SQLite and PostgreSQL; alone as control_plane, and traditional with its in-process proxy following the group), N routes bulk-loaded, then single-route PUTs in an open loop at 500/s, latency from the scheduled send time; medians of the interleaved runs at the end."
env "${write_args[@]}" bench/write-bench.sh >>"$out" 2>&1
endsection

section "Snapshots to S3" \
  "SnapshotBench: an embedded silo snapshotting to s3rver; N routes, forced snapshots timed end to end (export, encode, upload both buckets, retention)."
dotnet "$(bin SnapshotBench)" --routes "$snap_routes" --reps "$snap_reps" 2>&1 | grep -v '^\s*$' >>"$out"
endsection

section "Propagation: Admin API 2xx → the change served by both data planes, Orleans mutual TLS on and off" \
  "DataPlaneBench propagation: three silos on PostgreSQL, two DPs finding them in the membership table, N routes loaded, then single-route PUTs round-robin over the silos (write = PUT to its 2xx, two in three reach the group's grain on another silo), each timed until both DPs serve it; with Orleans mutual TLS (tls=on, the default of a PostgreSQL cluster) and without (tls=off, allow_insecure), alternated twice per route count."
dotnet "$(bin DataPlaneBench)" propagation --routes "$prop_routes" --changes "$prop_changes" --silos 3 --tls on,off --rounds 2 2>&1 | grep '^propagation' >>"$out"
endsection

section "The data plane's local cache: persisting one change" \
  "CacheBench (in-process): a group of N routes, then single-route changes applied one by one; each version persisted alternately as a journal record (the cache as built) and as a whole-group checkpoint (what every version cost before the journal); medians, p99, bytes per change."
for routes in ${cache_routes//,/ }; do
  dotnet "$(bin CacheBench)" --routes "$routes" --changes "$cache_changes" 2>&1 | grep '^cache' >>"$out"
done
endsection

section "Fleet: many data planes on one group (FleetSim)" \
  "FleetSim: simulated data planes doing over the wire what a DP does (its own connection code, a receiver registered by heartbeat, pushes applied or fetched, heartbeats every 5 s), 100 sharing one Orleans client; one embedded silo, then three PostgreSQL silos with mutual TLS; propagation until every DP holds the version, silo CPU per change and per idle second (alone after 90 s of settling, then with the fleet after 30 s of warm-up), heartbeats/s, RSS alone and with the fleet. With three silos, the silo holding the group's grain is then killed (-9) under the fleet: when a write is accepted again, how many DPs lost the CP and for how long, how many passed fallback_after, when all hold the new version connected."
for silos in 1 3; do
  kill_args=()
  [ "$silos" -gt 1 ] && kill_args=(--kill-silo owner)
  dotnet "$(bin FleetSim)" --silos "$silos" --dps "$fleet_dps" --per-client 100 --changes "$fleet_changes" "${fleet_warm[@]}" "${kill_args[@]}" 2>&1 | grep '^fleet' >>"$out"
done
endsection

section "Fleet: many groups, each with its data planes (FleetSim)" \
  "FleetSim on three PostgreSQL silos with mutual TLS: M groups of 100 routes, N simulated DPs on each (one Orleans client per group, as a DP's certificate names its group), changes round-robin over the groups (each in a different group), so propagation is to that group's DPs; CPU per change also net of the fleet's idle rate over the same window; memory per DP; where the groups' snapshots (@every 1m) fall in the minute; the dashboard's API calls timed with everything loaded."
dotnet "$(bin FleetSim)" "${fleet_warm[@]}" --silos 3 --groups "$many_groups" --dps "$many_dps" --per-client "$many_dps" --changes "$many_changes" --settle-seconds 60 --idle-seconds 20 2>&1 | grep '^fleet' >>"$out"
endsection

section "Cold start from S3 with the control plane down" \
  "DataPlaneBench coldstart: a snapshot of N routes in s3rver, no CP; a DP started from nothing, timed to its first proxied 200; its RSS after."
dotnet "$(bin DataPlaneBench)" coldstart --routes "$cold_routes" --reps "$cold_reps" 2>&1 | grep '^coldstart' >>"$out"
endsection

section "Proxy: the DP against plain YARP, nginx and the upstream directly" \
  "DataPlaneBench proxy: wrk -t2 -c32 against the echo upstream directly, through the DP (as built, and with DOTNET_GCgen0size=0x4000000 as its container image sets), through plain YARP (bench/YarpBaseline: forwarding only) and through nginx (reverse proxy, keepalive); one unmeasured warm-up round, then the targets interleaved; medians and requests/s ratios."
dotnet "$(bin DataPlaneBench)" proxy --reps "$proxy_reps" --seconds "$proxy_seconds" \
  --variants "orleans-gateway-dp,dp-gen0-64mb:DOTNET_GCgen0size=0x4000000" 2>&1 | grep '^proxy' >>"$out"
endsection

cp "$out" bench/results/latest.md
echo "run-all: wrote $out (and bench/results/latest.md)"
