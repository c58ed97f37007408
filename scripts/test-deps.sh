#!/usr/bin/env bash
# Installs and starts what the tests need on a fresh Debian machine, idempotently:
#   - PostgreSQL (Debian package), started, with a test role that may create databases;
#   - Redis (Debian package; the tests run their own servers);
#   - Node.js with s3rver (tests/s3rver) and playwright-core (tests/browser), Debian's Chromium for the browser test;
#   - docker-compose (to check docker/docker-compose.yaml);
#   - writes the connection string the tests read to .test-env (sourced by scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  echo "test-deps: installing PostgreSQL from apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
fi

pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1==v && $2=="main"' | grep -q .; then
  as_root pg_createcluster "$pg_version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
  as_root pg_ctlcluster "$pg_version" main start
fi
pg_port=$(pg_lsclusters -h | awk -v v="$pg_version" '$1==v && $2=="main" {print $3}')

# A throwaway role for tests; the password is generated per machine, never a fixed secret.
secret_file=.test-pg-password
[ -s "$secret_file" ] || head -c 18 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9' > "$secret_file"
pw=$(cat "$secret_file")
for _ in $(seq 1 30); do
  as_root runuser -u postgres -- psql -p "$pg_port" -qtAc "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
as_root runuser -u postgres -- psql -p "$pg_port" -v ON_ERROR_STOP=1 -q <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'og_test') THEN
    CREATE ROLE og_test LOGIN CREATEDB PASSWORD '$pw';
  ELSE
    ALTER ROLE og_test LOGIN CREATEDB PASSWORD '$pw';
  END IF;
END \$\$;
SQL
if ! as_root runuser -u postgres -- psql -p "$pg_port" -qtAc "SELECT 1 FROM pg_database WHERE datname='og_test'" | grep -q 1; then
  as_root runuser -u postgres -- createdb -p "$pg_port" -O og_test og_test
fi

# openssl, for scripts/certs.sh (the certificates of mutual TLS that scripts/topology.sh issues).
if ! command -v openssl >/dev/null 2>&1; then
  echo "test-deps: installing openssl from apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq openssl >/dev/null
fi

# Redis (Debian's package), for the limit plugins' shared counters: the tests start their own servers and clusters on
# free loopback ports (redis-server, redis-cli), so the package's own service is neither needed nor started here.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "test-deps: installing redis-server from apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
fi

# s3rver, the S3-protocol server of the tests, pinned in tests/s3rver (lock file without registry addresses).
if ! command -v node >/dev/null 2>&1; then
  echo "test-deps: installing Node.js from apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f tests/s3rver/node_modules/s3rver/bin/s3rver.js ]; then
  echo "test-deps: installing s3rver from npm"
  (cd tests/s3rver && npm ci --no-fund --no-audit --loglevel=error >/dev/null)
fi

# Headless Chromium for the dashboard's browser test: Debian's package, driven by playwright-core pinned in
# tests/browser (which never downloads a browser of its own).
if [ ! -x /usr/bin/chromium ]; then
  echo "test-deps: installing Chromium from apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
if [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
  echo "test-deps: installing playwright-core from npm"
  (cd tests/browser && npm ci --no-fund --no-audit --loglevel=error >/dev/null)
fi

# docker-compose (Debian's package) parses docker/docker-compose.yaml without a container engine, for the deployment
# tests; without its recommended docker.io, no engine is installed.
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "test-deps: installing docker-compose from apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi

cat > .test-env <<ENV
export OG_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=og_test;Password=$pw;Database=og_test"
ENV
echo "test-deps: PostgreSQL $pg_version on port $pg_port ready; redis-server, s3rver, Chromium, playwright-core and docker-compose installed"
