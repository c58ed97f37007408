#!/usr/bin/env bash
# The topology of docker/docker-compose.yaml as plain processes on one machine, on loopback ports:
# s3rver (S3 snapshots), three silos on PostgreSQL, two data planes following them, and an HTTP upstream for /ip.
# Every Orleans connection runs with mutual TLS: at the first start, scripts/certs.sh issues a CA, a certificate per
# silo and one per data plane (group default) into the run directory's certs/ folder; later starts reuse them.
#
#   scripts/topology.sh start     start everything, wait until it answers, print the ports and the admin key's path
#   scripts/topology.sh status    what runs, on which port, and whether it answers
#   scripts/topology.sh stop      stop the processes this script started (by the PIDs it wrote), and nothing else
#
# Needs: the built solution (dotnet build OrleansGateway.sln), and what scripts/test-deps.sh installs (PostgreSQL,
# Node.js and s3rver), plus curl. Optional environment:
#   TOPOLOGY_DIR            run directory: PIDs, logs, data, generated configs, admin key (default: .topology)
#   TOPOLOGY_PORT_BASE      first port of the block it uses (default 19000): B upstream, B+1 s3rver,
#                           B+10+i silo i's Admin API, B+20+i its silo port, B+30+i its gateway port (i = 1..3),
#                           B+40+j data plane j's proxy, B+50+j its status port (j = 1..2)
#   TOPOLOGY_DB             PostgreSQL database of the silos, created when missing (default: og_topology)
#   TOPOLOGY_CONFIGURATION  the build to run, Debug or Release (default: Debug)
#   OG_TEST_POSTGRES        the PostgreSQL server and a role that may create databases, as an Npgsql connection
#                           string (default: the one scripts/test-deps.sh wrote to .test-env)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
run_dir=$(realpath -m "${TOPOLOGY_DIR:-$root/.topology}")
base=${TOPOLOGY_PORT_BASE:-19000}
database=${TOPOLOGY_DB:-og_topology}
build=${TOPOLOGY_CONFIGURATION:-Debug}
silo_dll="$root/src/Silo/bin/$build/net10.0/OrleansGateway.Silo.dll"
dp_dll="$root/src/DataPlane/bin/$build/net10.0/OrleansGateway.DataPlane.dll"
s3rver_js="$root/tests/s3rver/node_modules/s3rver/bin/s3rver.js"
# Every component, in start order; each has a folder of its own under the run directory (config, pid, log, data).
components=(upstream s3 silo1 silo2 silo3 dp1 dp2)
startup_timeout=180

die() { echo "topology: $*" >&2; exit 1; }

[[ "$base" =~ ^[0-9]+$ ]] && ((base >= 1024 && base + 52 <= 65535)) || die "TOPOLOGY_PORT_BASE must be a number from 1024 to 65483"
[[ "$database" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "TOPOLOGY_DB must be a lower-case PostgreSQL identifier"

upstream_port=$base
s3_port=$((base + 1))
admin_port() { echo $((base + 10 + $1)); }
silo_port() { echo $((base + 20 + $1)); }
gateway_port() { echo $((base + 30 + $1)); }
proxy_port() { echo $((base + 40 + $1)); }
status_port() { echo $((base + 50 + $1)); }

# --- processes -----------------------------------------------------------------------------------------------------

# True while the process runs (a zombie, dead but not yet reaped by its new parent, does not count).
alive() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# The PID this script started for a component, if that process still runs; a recycled PID (another process with
# another working directory) does not count.
running_pid() {
  local dir="$run_dir/$1" pid
  [ -f "$dir/pid" ] || return 1
  pid=$(cat "$dir/pid")
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$dir" ] || return 1
  echo "$pid"
}

# Starts "$@" in the component's folder, output to its log, and records the PID. The shell forks from inside the
# folder, so the child has the working directory running_pid checks from its first instant, before it execs.
launch() {
  local name=$1 dir="$run_dir/$1"
  shift
  cd "$dir"
  "$@" >"$dir/log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  cd "$root"
}

# Waits until a URL answers (any HTTP status with --any, else 2xx), failing if the component's process is gone.
wait_for() {
  local name=$1 url=$2 mode=${3:-ok} deadline=$((SECONDS + startup_timeout))
  local flags=(-s -o /dev/null -m 3)
  [ "$mode" = any ] || flags+=(-f)
  while ((SECONDS < deadline)); do
    if ! running_pid "$name" >/dev/null; then
      echo "topology: $name exited; the end of $run_dir/$name/log:" >&2
      tail -n 20 "$run_dir/$name/log" >&2 || true
      return 1
    fi
    curl "${flags[@]}" "$url" && return 0
    sleep 1
  done
  echo "topology: $name did not answer $url within ${startup_timeout}s; see $run_dir/$name/log" >&2
  return 1
}

stop_all() {
  local name pid stopped=0
  for ((k = ${#components[@]} - 1; k >= 0; k--)); do
    name=${components[k]}
    if pid=$(running_pid "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
      echo "topology: stopped $name (pid $pid)"
      stopped=$((stopped + 1))
    fi
    rm -f "$run_dir/$name/pid"
  done
  ((stopped > 0)) || echo "topology: nothing was running"
}

abort_start() {
  echo "topology: start failed; stopping what was started" >&2
  stop_all >&2
  exit 1
}

# --- PostgreSQL ----------------------------------------------------------------------------------------------------

pg_server() {
  if [ -z "${OG_TEST_POSTGRES:-}" ] && [ -f "$root/.test-env" ]; then
    # shellcheck disable=SC1091
    source "$root/.test-env"
  fi
  [ -n "${OG_TEST_POSTGRES:-}" ] || die "no PostgreSQL: run scripts/test-deps.sh (it installs one and writes .test-env) or set OG_TEST_POSTGRES"
  echo "$OG_TEST_POSTGRES"
}

# One field of an Npgsql connection string (keys compared case-insensitively).
pg_field() {
  tr ';' '\n' <<<"$1" | awk -v key="$2" 'BEGIN { key = tolower(key) }
    { name = $0; sub(/=.*/, "", name); gsub(/ /, "", name) }
    tolower(name) == key { sub(/^[^=]*=/, ""); print; exit }'
}

# Creates the topology's database when missing and prints the silos' connection string to it.
prepare_database() {
  local server host port user password
  server=$(pg_server)
  host=$(pg_field "$server" host)
  port=$(pg_field "$server" port)
  user=$(pg_field "$server" username)
  password=$(pg_field "$server" password)
  local psql=(psql -h "${host:-127.0.0.1}" -p "${port:-5432}" -U "$user" -d "$(pg_field "$server" database)" -v ON_ERROR_STOP=1 -qtA)
  if ! PGPASSWORD="$password" "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    PGPASSWORD="$password" "${psql[@]}" -c "CREATE DATABASE $database" >/dev/null
  fi
  # Small pools that give idle connections back soon: the local server's connection slots (100 by default) are shared
  # with the tests, and three silos with default pools hold about 60 of them even when idle.
  echo "Host=${host:-127.0.0.1};Port=${port:-5432};Username=$user;Password=$password;Database=$database;Maximum Pool Size=10;Connection Idle Lifetime=30"
}

# --- configuration files (no secrets in them: the admin key and the connection string go in the environment) -----

s3_block() {
  cat <<YAML
fallback_cp:
  aws_s3:
    # s3rver's fixed credentials; it serves loopback only.
    access_key: S3RVER
    secret_key: S3RVER
    region: us-east-1
    endpoint: http://127.0.0.1:$s3_port
    config_bucket: og-config
    resource_bucket: og-resources
YAML
}

# deployment.certs of one component (its certificate from certs/, issued by issue_certs).
certs_block() {
  cat <<YAML
  certs:
    cert: $run_dir/certs/$1.pem
    cert_key: $run_dir/certs/$1.key
    trusted_ca_cert: $run_dir/certs/ca.pem
YAML
}

# The CA and one certificate per silo and data plane, once per run directory (kept across restarts).
issue_certs() {
  local certs="$run_dir/certs"
  [ -f "$certs/ca.pem" ] || "$root/scripts/certs.sh" ca "$certs" >/dev/null
  for i in 1 2 3; do
    [ -f "$certs/silo$i.pem" ] || "$root/scripts/certs.sh" silo "$certs" "silo$i" 127.0.0.1 >/dev/null
  done
  for j in 1 2; do
    [ -f "$certs/dp$j.pem" ] || "$root/scripts/certs.sh" dataplane "$certs" "dp$j" default >/dev/null
  done
}

write_silo_config() {
  local i=$1
  {
    cat <<YAML
# Silo $i of scripts/topology.sh (generated at each start).
deployment:
  role: control_plane
  data_dir: $run_dir/silo$i
  admin:
    admin_key:
      - {name: admin, role: admin}
    admin_listen: {ip: 127.0.0.1, port: $(admin_port "$i")}
  orleans:
    cluster_id: og-topology
    service_id: og-topology
    silo_port: $(silo_port "$i")
    gateway_port: $(gateway_port "$i")
    advertised_ip: 127.0.0.1
YAML
    certs_block "silo$i"
    s3_block
    echo "  cron_spec: '@every 10s'"
  } >"$run_dir/silo$i/config.yaml"
}

write_dp_config() {
  local j=$1
  {
    cat <<YAML
# Data plane $j of scripts/topology.sh (generated at each start).
apisix:
  node_listen: $(proxy_port "$j")
  control: {ip: 127.0.0.1, port: $(status_port "$j")}
deployment:
  role: data_plane
  gateway_group_id: default
  data_dir: $run_dir/dp$j
  orleans:
    cluster_id: og-topology
    service_id: og-topology
    gateways:
      - 127.0.0.1:$(gateway_port 1)
      - 127.0.0.1:$(gateway_port 2)
      - 127.0.0.1:$(gateway_port 3)
YAML
    certs_block "dp$j"
    s3_block
    echo "  fallback_after: 5s"
    echo "  poll_interval: 2s"
  } >"$run_dir/dp$j/config.yaml"
}

write_ports_file() {
  {
    echo "UPSTREAM_PORT=$upstream_port"
    echo "S3_PORT=$s3_port"
    for i in 1 2 3; do
      echo "SILO${i}_ADMIN_PORT=$(admin_port "$i")"
      echo "SILO${i}_SILO_PORT=$(silo_port "$i")"
      echo "SILO${i}_GATEWAY_PORT=$(gateway_port "$i")"
    done
    for j in 1 2; do
      echo "DP${j}_PROXY_PORT=$(proxy_port "$j")"
      echo "DP${j}_STATUS_PORT=$(status_port "$j")"
    done
    echo "ADMIN_KEY_FILE=$run_dir/admin_key"
    echo "POSTGRES_DATABASE=$database"
  } >"$run_dir/ports.env"
}

# --- commands ------------------------------------------------------------------------------------------------------

start() {
  for name in "${components[@]}"; do
    if pid=$(running_pid "$name"); then
      die "$name already runs (pid $pid); run scripts/topology.sh stop first"
    fi
  done
  [ -f "$silo_dll" ] && [ -f "$dp_dll" ] || die "the $build build is missing ($silo_dll); run: dotnet build OrleansGateway.sln"
  [ -f "$s3rver_js" ] || die "s3rver is not installed; run scripts/test-deps.sh"
  command -v node >/dev/null || die "node is not installed; run scripts/test-deps.sh"
  command -v curl >/dev/null || die "curl is not installed (apt-get install curl)"

  for name in "${components[@]}"; do mkdir -p "$run_dir/$name"; done
  local connection_string admin_key
  connection_string=$(prepare_database)
  if [ ! -s "$run_dir/admin_key" ]; then
    (umask 077 && head -c 36 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40 >"$run_dir/admin_key")
  fi
  admin_key=$(cat "$run_dir/admin_key")
  issue_certs
  for i in 1 2 3; do write_silo_config "$i"; done
  for j in 1 2; do write_dp_config "$j"; done
  write_ports_file

  # From here on, a component that does not come up stops whatever was started.
  launch upstream node "$root/scripts/topology-upstream.js" "$upstream_port"
  mkdir -p "$run_dir/s3/data"
  launch s3 node "$s3rver_js" -d "$run_dir/s3/data" -a 127.0.0.1 -p "$s3_port" --silent \
    --configure-bucket og-resources --configure-bucket og-config
  wait_for upstream "http://127.0.0.1:$upstream_port/ip" || abort_start
  wait_for s3 "http://127.0.0.1:$s3_port/" any || abort_start

  # The three silos start together (the schema is created under an advisory lock, so that is safe).
  export deployment__orleans__postgresql__connection_string="$connection_string"
  export deployment__admin__admin_key__0__key="$admin_key"
  export DOTNET_NOLOGO=1 ASPNETCORE_ENVIRONMENT=Production
  for i in 1 2 3; do
    launch "silo$i" dotnet "$silo_dll" --config "$run_dir/silo$i/config.yaml"
  done
  for i in 1 2 3; do
    wait_for "silo$i" "http://127.0.0.1:$(admin_port "$i")/readyz" || abort_start
  done
  unset deployment__orleans__postgresql__connection_string deployment__admin__admin_key__0__key

  for j in 1 2; do
    launch "dp$j" dotnet "$dp_dll" --config "$run_dir/dp$j/config.yaml"
  done
  for j in 1 2; do
    wait_for "dp$j" "http://127.0.0.1:$(status_port "$j")/healthz" || abort_start
  done

  echo "topology: running; run directory $run_dir"
  echo "  upstream   http://127.0.0.1:$upstream_port/ip"
  echo "  s3rver     http://127.0.0.1:$s3_port  (buckets og-resources, og-config; credentials S3RVER/S3RVER)"
  for i in 1 2 3; do
    echo "  silo$i      Admin API http://127.0.0.1:$(admin_port "$i")  silo port $(silo_port "$i")  gateway port $(gateway_port "$i")"
  done
  for j in 1 2; do
    echo "  dp$j        proxy http://127.0.0.1:$(proxy_port "$j")  status http://127.0.0.1:$(status_port "$j")/status"
  done
  echo "  PostgreSQL database $database"
  echo "  admin key  $run_dir/admin_key"
  echo "  mTLS       CA and certificates in $run_dir/certs (scripts/certs.sh)"
  echo "  ports      $run_dir/ports.env;  logs $run_dir/<name>/log;  stop with scripts/topology.sh stop"
}

status() {
  local name pid url any_running=0
  for name in "${components[@]}"; do
    case $name in
      upstream) url="http://127.0.0.1:$upstream_port/ip" ;;
      s3) url="http://127.0.0.1:$s3_port/" ;;
      silo*) url="http://127.0.0.1:$(admin_port "${name#silo}")/readyz" ;;
      dp*) url="http://127.0.0.1:$(status_port "${name#dp}")/healthz" ;;
    esac
    if pid=$(running_pid "$name"); then
      any_running=1
      if curl -s -o /dev/null -m 3 "$url"; then
        printf '  %-9s running (pid %s), answers %s\n' "$name" "$pid" "$url"
      else
        printf '  %-9s running (pid %s), no answer from %s\n' "$name" "$pid" "$url"
      fi
    else
      printf '  %-9s stopped\n' "$name"
    fi
  done
  ((any_running)) && echo "  admin key  $run_dir/admin_key"
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
  *) echo "usage: scripts/topology.sh start|stop|status" >&2; exit 2 ;;
esac
