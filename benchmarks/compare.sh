#!/usr/bin/env bash
# Runs every workload of the load generator against Linli (SQLite and PostgreSQL), the
# reference automerge-repo Node server and samod, in one run on this machine, plus the
# bare-automerge floor, the capacity run (Linli on PostgreSQL only) and the criterion
# micro-benchmarks, and writes BENCHMARKS.md (benchmarks/render.py).
#
#   benchmarks/compare.sh            # the sizes of issues #6 and #21 (about 2 hours on 2 cores)
#   QUICK=1 benchmarks/compare.sh    # small sizes, to check the script (a few minutes)
#
# Only a full run (no QUICK, SERVERS or WORKLOADS) writes the repository's BENCHMARKS.md;
# any other run writes BENCHMARKS.md into its run directory, so that a check or a partial
# run never replaces the figures of the last full run.
#
# Servers run pinned to CPU 0 and the load generator to CPU 1 (taskset), so each server gets
# one core and the load generator never competes with it. One server runs at a time, each
# on a fresh data directory (fresh PostgreSQL database).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
run_dir=$root/target/bench-run/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$run_dir"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The capacity run is a burst the size of a morning reconnect storm in one large county:
# CAPACITY_DEVICES phones (one per grid), each back with CAPACITY_DOCS households it changed
# offline, CAPACITY_EDITS changes to each, no other device sharing them (one worker per grid).
# See the capacity plan in BENCHMARKS.md for why this size; the three can be set to try others.
# At a tenth of the full size (200 devices) the workload took 69 s here, the storm 14 s of it,
# with other builds running (2026-12-04); the full size should take 10 to 12 minutes.
if [[ -n ${QUICK:-} ]]; then
  BURST=(-D 50 -K 10 -E 5); IDLE=200; LIVE_SECS=5; RECONNECT=200; COLD=2000; COLD_SAMPLES=50
  CAPACITY_DEVICES=${CAPACITY_DEVICES:-40}; CAPACITY_DOCS=${CAPACITY_DOCS:-5}; CAPACITY_EDITS=${CAPACITY_EDITS:-3}
else
  # 1,000 cold first syncs (200 before issue #21): their CPU, in 10 ms clock ticks, is the
  # capacity plan's cost of a cold document, and 200 were too few ticks to read it.
  BURST=(-D 500 -K 20 -E 10); IDLE=10000; LIVE_SECS=20; RECONNECT=1000; COLD=100000; COLD_SAMPLES=1000
  CAPACITY_DEVICES=${CAPACITY_DEVICES:-2000}; CAPACITY_DOCS=${CAPACITY_DOCS:-20}; CAPACITY_EDITS=${CAPACITY_EDITS:-5}
fi
CAPACITY=(-D "$CAPACITY_DEVICES" -K "$CAPACITY_DOCS" -E "$CAPACITY_EDITS" --group 1)
if [[ -n ${QUICK:-}${SERVERS:-}${WORKLOADS:-} ]]; then
  benchmarks_md=$run_dir/BENCHMARKS.md
else
  benchmarks_md=$root/BENCHMARKS.md
fi
SERVERS=${SERVERS:-"linli-sqlite linli-postgres node samod"}
WORKLOADS=${WORKLOADS:-"burst live reconnect reconnect-deflate multinode idle cold capacity"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_BENCH_DB=linli_bench
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

log "building (release)"
cargo build --release -q -p linli-server -p linli-loadgen --bins
# The anchors only when a run uses them (their first build takes minutes).
if [[ " $SERVERS " == *" node "* || " $SERVERS " == *" samod "* ]]; then
  benchmarks/anchors/build.sh >&2
fi
server_bin=$root/target/release/linli-server

# What the run ran on, for BENCHMARKS.md.
python3 - "$run_dir/meta.json" "${QUICK:+quick sizes (QUICK=1)}" <<'PY'
import json, os, subprocess, sys
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
meta = {
    "mode": sys.argv[2] or "the full sizes of issues #6 and #21",
    "date": sh("date -u +%Y-%m-%dT%H:%MZ"),
    "commit": sh("git rev-parse --short HEAD") + (" (with uncommitted changes)" if sh("git status --porcelain") else ""),
    "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
    "cores": sh("nproc"),
    "memory": sh("free -g | awk '/Mem:/ {print $2 \" GiB\"}'"),
    "kernel": sh("uname -sr"),
    "rustc": sh("rustc --version"),
    "node": sh("node --version"),
    "automerge_repo": sh("node -p \"require('./benchmarks/anchors/node/node_modules/@automerge/automerge-repo/package.json').version\""),
    "samod": sh("grep -A1 'name = \"samod\"' benchmarks/anchors/samod/Cargo.lock | sed -n 's/version = //p' | tr -d '\"'"),
    "postgres": sh("psql -V"),
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
PY
loadgen_bin=$root/target/release/linli-loadgen

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for_line() { # file pattern seconds
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  log "timed out waiting for '$2' in $1"; cat "$1" >&2; return 1
}

wait_for_http() { # url seconds
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  log "timed out waiting for $1"; return 1
}

pg_reset() {
  psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $PG_BENCH_DB"
}

# Linli's flags for a benchmark: every connection comes from 127.0.0.1, so the per-address
# cap is lifted; the rate limits stay at their defaults.
linli_flags() {
  # Every connection comes from 127.0.0.1: raise the per-address caps (sockets and sync
  # connections; 256 sockets by default, which left the burst's 500 devices without a socket).
  echo --max-connections 30000 --max-connections-per-address 30000 --max-sockets-per-address 30000
}

# Sets SERVER_PID, SYNC_URL, TOKENS (may be empty) for server $1 on data dir $2.
# $3 = "keep" reuses the data dir/database (a restart).
start_server() {
  local kind=$1 data=$2 keep=${3:-} port logf
  port=$(free_port)
  logf=$data.log
  TOKENS=""
  case $kind in
    linli-sqlite|linli-postgres)
      local db=()
      [[ $kind == linli-postgres ]] && db=(--database-url "postgres://postgres@127.0.0.1:5432/$PG_BENCH_DB")
      if [[ -z $keep ]]; then
        rm -rf "$data"; mkdir -p "$data"
        [[ $kind == linli-postgres ]] && pg_reset
        local org
        for org in c01 c01/s01 c01/s01/m01 c01/s01/m01/g01; do
          "$server_bin" org add --data-dir "$data" "${db[@]}" --path $org --name "bench $org" >/dev/null
        done
        "$server_bin" user add --data-dir "$data" "${db[@]}" --name bench --role worker --org c01/s01/m01/g01 >/dev/null
        "$server_bin" token --data-dir "$data" "${db[@]}" --user bench --ttl 12h --count "${TOKEN_COUNT:-500}" > "$data.tokens"
      fi
      TOKENS=$data.tokens
      taskset -c "$SERVER_CPU" "$server_bin" serve --data-dir "$data" "${db[@]}" \
        --listen 127.0.0.1:$port $(linli_flags) >>"$logf" 2>&1 &
      SERVER_PID=$!
      SYNC_URL=ws://127.0.0.1:$port/sync
      ;;
    node)
      [[ -z $keep ]] && { rm -rf "$data"; mkdir -p "$data"; }
      taskset -c "$SERVER_CPU" node benchmarks/anchors/node/server.mjs --port $port --data "$data" >>"$logf" 2>&1 &
      SERVER_PID=$!
      SYNC_URL=ws://127.0.0.1:$port
      ;;
    samod)
      [[ -z $keep ]] && { rm -rf "$data"; mkdir -p "$data"; }
      RUST_LOG=off taskset -c "$SERVER_CPU" benchmarks/anchors/samod/target/release/linli-anchor-samod --port $port --data "$data" >>"$logf" 2>&1 &
      SERVER_PID=$!
      SYNC_URL=ws://127.0.0.1:$port
      ;;
  esac
  SERVER_PORT=$port
}

wait_ready() {
  case $1 in
    linli-*) wait_for_http "http://127.0.0.1:$SERVER_PORT/healthz" 60 ;;
    *) wait_for_line "$2.log" "ready" 60 ;;
  esac
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  # A server still busy with a workload it did not finish may not heed TERM (samod did not,
  # for minutes, after its burst was stopped at the limit): KILL after 30 s.
  local i
  for ((i = 0; i < 300; i++)); do
    running "$SERVER_PID" || break
    sleep 0.1
  done
  if running "$SERVER_PID"; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    log "server $SERVER_PID did not stop on TERM in 30 s: killed"
  fi
  wait "$SERVER_PID" 2>/dev/null || true
}

# Whether process $1 runs (an exited child not yet waited for is a zombie, not running).
running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $state != Z* ]]
}

# The anchors get at most ANCHOR_LIMIT_SECS per load generator call (default 10 minutes):
# at the full sizes samod does not finish the burst, idle or cold seeding, and the Node server
# crashes in some workloads, so without a limit one run outlasts a working day. A call stopped
# at the limit is logged and leaves a `<out>.stopped` file holding the limit, for the run's notes.
ANCHOR_LIMIT_SECS=${ANCHOR_LIMIT_SECS:-600}
LOADGEN_OK=1
loadgen() { # out-file args...
  local out=$1; shift
  local limit=()
  [[ $CURRENT_SERVER == node || $CURRENT_SERVER == samod ]] &&
    limit=(timeout --signal=TERM --kill-after=30 "$ANCHOR_LIMIT_SECS")
  LOADGEN_OK=1
  local rc=0
  "${limit[@]}" taskset -c "$LOADGEN_CPU" "$loadgen_bin" --json "$@" >"$out" 2>"$out.err" || rc=$?
  if ((rc == 124 || rc == 137)) && ((${#limit[@]})); then
    LOADGEN_OK=0
    echo "$ANCHOR_LIMIT_SECS" >"$out.stopped"
    log "STOPPED at the anchors' limit of $ANCHOR_LIMIT_SECS s: loadgen $*"
  elif ((rc != 0)); then
    LOADGEN_OK=0
    log "FAILED: loadgen $* (see $out, $out.err)"
    cat "$out" "$out.err" >&2 || true
  fi
}
CURRENT_SERVER=

common() { # label
  local args=(--url "$SYNC_URL" --server-pid "$SERVER_PID" --label "$1")
  [[ -n $TOKENS ]] && args+=(--tokens "$TOKENS")
  printf '%s\n' "${args[@]}"
}

# pgwatch.py samples Linli's PostgreSQL database while the load generator runs; then what
# PostgreSQL did (WAL, growth, its CPU) goes to $run_dir/pg-<workload>-linli-postgres.json, over
# a burst's measured part (start `-`) or from the given start to the load generator's end.
watch_start() { # workload
  taskset -c "$LOADGEN_CPU" python3 benchmarks/pgwatch.py watch \
    "postgres://postgres@127.0.0.1:5432/$PG_BENCH_DB" "$run_dir/pg-$1.samples" &
  WATCHER=$!
  sleep 0.5 # its first sample
}

watch_stop() { # workload start report
  local end; end=$(date +%s.%N)
  # PostgreSQL publishes idle backends' counters up to 10 s late.
  sleep 11
  kill -TERM "$WATCHER" 2>/dev/null || true
  wait "$WATCHER" || true
  python3 benchmarks/pgwatch.py window "$run_dir/pg-$1.samples" "$3" "$2" "$end" \
    "$run_dir/pg-$1-linli-postgres.json" || log "pgwatch failed for $1"
}

run_workload() { # workload server
  local w=$1 s=$2 data=$run_dir/$2-$1 out=$run_dir/$1-$2.json
  log "$w on $s"
  CURRENT_SERVER=$s
  TOKEN_COUNT=500
  [[ $w == capacity ]] && TOKEN_COUNT=$CAPACITY_DEVICES
  start_server "$s" "$data"
  wait_ready "$s" "$data"
  mapfile -t args < <(common "$s")
  case $w in
    # 30 minutes: samod took longer than the default 10 at the full size.
    burst)
      [[ $s == linli-postgres ]] && watch_start burst
      loadgen "$out" burst "${BURST[@]}" --timeout-secs 1800 "${args[@]}"
      [[ $s == linli-postgres ]] && watch_stop burst - "$out"
      ;;
    capacity)
      watch_start capacity
      loadgen "$out" burst "${CAPACITY[@]}" --timeout-secs 1800 "${args[@]}"
      watch_stop capacity - "$out"
      ;;
    # Quiet peers: held longer than Linli's --park-after-secs (30), so that what is measured
    # is a peer that stays connected with nothing to say, not one that just synced.
    idle) loadgen "$out" idle -C "$IDLE" --settle-secs 40 "${args[@]}" ;;
    live) loadgen "$out" live --duration-secs "$LIVE_SECS" "${args[@]}" ;;
    reconnect) loadgen "$out" reconnect --docs "$RECONNECT" "${args[@]}" ;;
    # The same, the device offering permessage-deflate as browsers do; each server's answer
    # (accepted or declined) is in the report.
    reconnect-deflate) loadgen "$out" reconnect --deflate --docs "$RECONNECT" "${args[@]}" ;;
    cold)
      # An hour: 100,000 documents took Linli 4 to 7 minutes, the anchors longer.
      loadgen "$run_dir/cold-seed-$s.json" cold-seed --docs "$COLD" --timeout-secs 3600 "${args[@]}"
      # A server that could not take the documents has nothing to probe.
      if ((!LOADGEN_OK)); then
        log "no cold probe on $s: its seeding did not finish"
        stop_server
        return
      fi
      stop_server
      local start=-
      [[ $s == linli-postgres ]] && { watch_start cold; start=$(date +%s.%N); }
      start_server "$s" "$data" keep
      mapfile -t args < <(common "$s")
      loadgen "$out" cold-probe --docs "$COLD" --samples "$COLD_SAMPLES" "${args[@]}"
      # The server's CPU once the probe is done: with the report's CPU at ready, the CPU of
      # its first syncs (the capacity plan's cost of a cold document).
      # utime and stime are fields 14 and 15 of /proc/<pid>/stat, 12 and 13 after the name.
      local stat
      read -r -a stat <<<"$(sed 's/^.*) //' "/proc/$SERVER_PID/stat")"
      printf '{"cpu_ticks_at_end": %d, "clock_ticks_per_sec": %d}\n' \
        $((stat[11] + stat[12])) "$(getconf CLK_TCK)" >"$run_dir/cold-cpu-$s.json"
      [[ $s == linli-postgres ]] && watch_stop cold "$start" "$out"
      ;;
  esac
  stop_server
}

# Two Linli nodes on one PostgreSQL database, live workload with peers alternating nodes.
run_multinode() {
  local data=$run_dir/multinode out=$run_dir/multinode-linli-postgres.json
  log "multinode (2 Linli nodes on PostgreSQL)"
  CURRENT_SERVER=linli-postgres
  start_server linli-postgres "$data-a"
  wait_ready linli-postgres "$data-a"
  local pid_a=$SERVER_PID url_a=$SYNC_URL tokens=$TOKENS
  # The second node shares the first one's database and JWT secret.
  mkdir -p "$data-b"
  cp "$data-a"/*secret* "$data-b"/ 2>/dev/null || true
  local port_b; port_b=$(free_port)
  taskset -c "$SERVER_CPU" "$server_bin" serve --data-dir "$data-b" \
    --database-url "postgres://postgres@127.0.0.1:5432/$PG_BENCH_DB" \
    --listen 127.0.0.1:$port_b $(linli_flags) >>"$data-b.log" 2>&1 &
  local pid_b=$!
  wait_for_http "http://127.0.0.1:$port_b/healthz" 60
  loadgen "$out" live --duration-secs "$LIVE_SECS" --url "$url_a" --url "ws://127.0.0.1:$port_b/sync" \
    --tokens "$tokens" --server-pid "$pid_a" --label "linli-postgres, 2 nodes"
  kill -TERM "$pid_a" "$pid_b"; wait "$pid_a" "$pid_b" 2>/dev/null || true
}

for w in $WORKLOADS; do
  if [[ $w == multinode ]]; then run_multinode; continue; fi
  for s in $SERVERS; do
    # The capacity run sizes a deployment on PostgreSQL; the other servers have no part in it.
    [[ $w == capacity && $s != linli-postgres ]] && continue
    run_workload "$w" "$s"
  done
  if [[ $w == burst ]]; then
    log "floor (bare automerge)"
    CURRENT_SERVER=floor
    loadgen "$run_dir/floor.json" floor "${BURST[@]}"
  fi
  # What is measured so far, in case the run is cut short.
  python3 benchmarks/render.py "$run_dir" >"$benchmarks_md"
done

if [[ -z ${SKIP_MICRO:-} && -x benchmarks/micro.sh ]]; then
  log "criterion micro-benchmarks"
  MICRO_JSON=$run_dir/micro.json benchmarks/micro.sh >"$run_dir/micro.md" 2>"$run_dir/micro.err" ||
    log "micro-benchmarks failed (see $run_dir/micro.err)"
fi

log "writing $benchmarks_md"
python3 benchmarks/render.py "$run_dir" >"$benchmarks_md"
log "done: $run_dir"
