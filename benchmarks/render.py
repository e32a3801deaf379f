#!/usr/bin/env python3
"""Writes BENCHMARKS.md (to stdout) from one run directory of benchmarks/compare.sh."""
import json
import pathlib
import sys

run = pathlib.Path(sys.argv[1])
SERVERS = ["linli-sqlite", "linli-postgres", "node", "samod"]
NAMES = {
    "linli-sqlite": "Linli, SQLite",
    "linli-postgres": "Linli, PostgreSQL",
    "node": "Node automerge-repo",
    "samod": "samod",
}


def load(name):
    p = run / name
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError:
        return None


def result(workload, server):
    r = load(f"{workload}-{server}.json")
    if r is None or "result" not in r:
        return None
    return r["result"]


def absent(workload, server):
    """Why a server has no figure for a workload: stopped at the anchors' time limit
    (compare.sh leaves `<out>.stopped`), failed, or not run."""
    names = [f"cold-seed-{server}.json", f"cold-{server}.json"] if workload == "cold" else [f"{workload}-{server}.json"]
    for name in names:
        stopped = run / f"{name}.stopped"
        if stopped.exists():
            minutes = int(stopped.read_text().strip() or 0) // 60
            what = "seeding " if name.startswith("cold-seed") else ""
            return f"{what}stopped at the {minutes}-minute limit"
    for name in names:
        if (run / name).exists() or (run / f"{name}.err").exists():
            what = "seeding " if name.startswith("cold-seed") else ""
            return f"{what}failed (see the notes)"
    return "—"


def or_absent(text, workload, server):
    """`text` unless the figure is missing, then the reason."""
    return absent(workload, server) if text.startswith("—") else text


def f(x, digits=2):
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def mib(kib):
    return None if kib is None else kib / 1024


def dig(d, *keys):
    for k in keys:
        if d is None:
            return None
        d = d.get(k) if isinstance(d, dict) else None
    return d


def verdict(ok):
    return "—" if ok is None else ("met" if ok else "**missed**")


meta = load("meta.json") or {}
out = []
w = out.append
w("# Benchmarks")
w("")
w("Every figure below comes from one run of `benchmarks/compare.sh` "
  f"({meta.get('mode', 'full sizes')}), on this machine:")
w("")
for k in ["date", "commit", "cpu", "cores", "memory", "kernel", "rustc", "node", "automerge_repo", "samod", "postgres"]:
    if k in meta:
        w(f"- {k}: {meta[k]}")
w("")
w("Reproduce with `benchmarks/compare.sh` (needs PostgreSQL on 127.0.0.1:5432, Node.js and npm; "
  "it builds everything in release mode, installs the Node server's packages and builds samod). "
  "`QUICK=1` runs small sizes; `SERVERS=…` and `WORKLOADS=…` pick a subset (such runs write "
  "BENCHMARKS.md into their run directory under `target/bench-run/`, not here).")
w("")
w("How it measures: each server runs alone, on a fresh data directory (a fresh PostgreSQL database), "
  "pinned to CPU 0; the load generator (`linli-loadgen`) is pinned to CPU 1. Linli runs as "
  "shipped (SQLite in WAL with `synchronous=FULL`, so every acknowledged change is on disk; "
  "PostgreSQL with its defaults), with tokens for every device and the policy applied, and only "
  "the connection caps raised (every connection comes from 127.0.0.1). The Node server is "
  "automerge-repo with its websocket server adapter and Node filesystem storage, `sharePolicy` "
  "false; samod serves through its axum acceptor with its filesystem storage. Bytes are websocket "
  "payloads plus frame headers (not the HTTP upgrade or TCP/IP). Server CPU is user plus system "
  "time of the server process from `/proc` (for Linli on PostgreSQL, PostgreSQL's own processes "
  "are not counted in it; section 6 counts them apart); peak RSS is the process's `VmHWM`. "
  "The anchors get at most `ANCHOR_LIMIT_SECS` (ten minutes unless set) per load generator call; "
  "where one was stopped there, its cell says so instead of a figure.")
w("")

# --- targets ---------------------------------------------------------------------------------
burst = {s: result("burst", s) for s in SERVERS}
floor = load("floor.json")
floor_secs = dig(floor, "result", "converged_secs")
conv = {s: dig(burst[s], "converged_secs") for s in SERVERS}
idle = {s: result("idle", s) for s in SERVERS}
live = {s: result("live", s) for s in SERVERS}
recon = {s: result("reconnect", s) for s in SERVERS}
cold = {s: result("cold", s) for s in SERVERS}
multi = load("multinode-linli-postgres.json")
ls = conv["linli-sqlite"]
LINLI = ["linli-sqlite", "linli-postgres"]
ANCHORS = ["node", "samod"]


def param(workload, server, key):
    return dig(load(f"{workload}-{server}.json"), "params", key)


def at_size(workload, server, **want):
    """Whether the run measured the target's size (a QUICK run does not)."""
    return all(param(workload, server, k) == v for k, v in want.items())


def judged(ok, sized=True):
    if ok is None:
        return "—"
    return verdict(ok) if sized else "— (not at the target's size)"


def cpu_ms_per_change(r):
    cpu, changes = dig(r, "measured", "server", "cpu_secs"), dig(r, "changes")
    return None if cpu is None or not changes else cpu * 1000 / changes


def best(values):
    """The lowest of the anchors' figures, with its server's name: what Linli is held to."""
    known = [(v, s) for s, v in values.items() if v is not None]
    return min(known) if known else (None, None)


def unit(x, suffix, digits=2):
    return "—" if x is None else f"{f(x, digits)} {suffix}"


def versus(linli, anchor_value, anchor):
    r = ratio(linli, anchor_value)
    return "—" if r is None else f"{f(r)}× {anchor}"


def micro_figures():
    """Criterion medians in ms by benchmark id: micro.json (written by micro.sh for compare.sh),
    else the table of micro.md (runs before issue #21)."""
    figures = load("micro.json")
    if figures is not None:
        return {k: v["median_ns"] / 1e6 for k, v in figures.items()}
    figures = {}
    md = run / "micro.md"
    units = {"ns": 1e-6, "µs": 1e-3, "ms": 1.0, "s": 1e3}
    for line in md.read_text().splitlines() if md.exists() else []:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            number, suffix = cells[1].split()
            figures[cells[0].strip("`")] = float(number) * units[suffix]
    return figures


micro_ms = micro_figures()
HISTORY = [
    ("household_10_visits", "household, 10 visits"),
    ("household_1000_visits", "household, 1,000 visits"),
    ("household_10000_visits", "household, 10,000 visits"),
    ("volunteer_1000_entries", "volunteer, 1,000 entries"),
]
history = {k: micro_ms.get(f"long_history_one_more_change/{k}") for k, _ in HISTORY}
cold_load = micro_ms.get("long_history_cold_load/household_10000_changes")
known = [v for v in history.values() if v is not None]
history_spread = max(known) / min(known) if len(known) == len(HISTORY) else None


def indicator(backend, how):
    # Before issue #15's kept totals the ids had no "afresh/kept" part: those were afresh.
    old = micro_ms.get(f"indicators_{backend}/county") if how == "afresh" else None
    return micro_ms.get(f"indicators_{backend}/{how}/county", old)


rows = []
floor_ms = None
if floor_secs is not None and dig(floor, "result", "changes"):
    floor_ms = floor_secs * 1000 / floor["result"]["changes"]
for s in LINLI:
    mine = cpu_ms_per_change(burst[s])
    others = "; ".join(f"{NAMES[a]} {or_absent(unit(cpu_ms_per_change(burst[a]), 'ms', 3), 'burst', a)}"
                       for a in ANCHORS)
    r = ratio(mine, floor_ms)
    rows.append([f"burst, {NAMES[s]} as shipped, 500 devices: server CPU per change ≤ 2× the floor",
                 "—" if mine is None else f"{f(mine, 3)} ms ({f(burst[s]['measured']['server']['cpu_secs'])} s "
                 f"for {f(burst[s]['changes'])} changes)",
                 f"floor {unit(floor_ms, 'ms', 4)}; {others}", versus(mine, floor_ms, "the floor"),
                 judged(None if r is None else r <= 2, at_size("burst", s, devices=500))])
shown = " / ".join(f(v) for v in history.values())
rows.append(["long histories: one more visit costs the same at 10, 1,000 and 10,000 earlier visits "
             "and at a volunteer with 1,000 entries, within 1.5× of each other",
             "—" if not known else f"{shown} ms", f"10 visits: {unit(history['household_10_visits'], 'ms')}",
             "—" if history_spread is None else f"{f(history_spread)}× slowest ÷ fastest",
             judged(None if history_spread is None else history_spread <= 1.5)])
rows.append(["long histories: a cold document with 10,000 changes loads in ≤ 20 ms",
             unit(cold_load, "ms"), "this is bare automerge's `load`, the floor itself", "—",
             judged(None if cold_load is None else cold_load <= 20)])
for s in LINLI:
    p99, missing = dig(live[s], "delivery_latency", "p99_ms"), dig(live[s], "deliveries_missing")
    anchors = {NAMES[a]: dig(live[a], "delivery_latency", "p99_ms") for a in ANCHORS}
    others = "; ".join(f"{NAMES[a]} {unit(dig(live[a], 'delivery_latency', 'p99_ms'), 'ms')} "
                       f"({f(dig(live[a], 'deliveries_missing'))} missing)" if live[a] is not None
                       else f"{NAMES[a]} {absent('live', a)}" for a in ANCHORS)
    ok = None if p99 is None else (p99 <= 100 and missing == 0)
    value, name = best(anchors)
    rows.append([f"live, {NAMES[s]}, one busy document, 16 peers × 6 changes/s: p99 delivery ≤ 100 ms, "
                 "nothing missing", unit(p99, f"ms ({f(missing)} missing)"), others,
                 versus(p99, value, name), judged(ok, at_size("live", s, peers=16, rate=6.0))])
for s in LINLI:
    kib = dig(idle[s], "server", "kib_per_peer")
    anchors = {NAMES[a]: dig(idle[a], "server", "kib_per_peer") for a in ANCHORS}
    others = "; ".join(f"{NAMES[a]} {or_absent(unit(anchors[NAMES[a]], 'KiB', 1), 'idle', a)}" for a in ANCHORS)
    value, name = best(anchors)
    rows.append([f"idle, {NAMES[s]}: ≤ 20 KiB of server memory per quiet peer at 10,000 peers",
                 unit(kib, f"KiB at {f(dig(idle[s], 'peers'))} peers", 1), others, versus(kib, value, name),
                 judged(None if kib is None else kib <= 20, at_size("idle", s, peers=10000))])
for s in LINLI:
    by = dig(recon[s], "wire_bytes")
    anchors = {NAMES[a]: dig(recon[a], "wire_bytes") for a in ANCHORS}
    others = "; ".join(f"{NAMES[a]} {or_absent(unit(anchors[NAMES[a]], 'B'), 'reconnect', a)}" for a in ANCHORS)
    value, name = best(anchors)
    ok = None if by is None or value is None else by <= value
    rows.append([f"reconnect, {NAMES[s]}, 1,000 unchanged documents: no more bytes than the anchors",
                 unit(by, "B"), others, versus(by, value, name), judged(ok, at_size("reconnect", s, docs=1000))])
# The device offers permessage-deflate; the report says whether the server accepted it.
recon_deflate = {s: result("reconnect-deflate", s) for s in SERVERS}


def deflate_figure(server):
    r = recon_deflate[server]
    by = dig(r, "wire_bytes")
    if by is None:
        return None, or_absent("—", "reconnect-deflate", server)
    answer = "accepted" if dig(r, "deflate_accepted") else "declined"
    return by, f"{f(by)} B (deflate {answer})"


for s in LINLI:
    by, figure = deflate_figure(s)
    anchors = {NAMES[a]: deflate_figure(a)[0] for a in ANCHORS}
    others = "; ".join(f"{NAMES[a]} {deflate_figure(a)[1]}" for a in ANCHORS)
    value, name = best(anchors)
    rows.append([f"reconnect, {NAMES[s]}, 1,000 unchanged documents, the client offering "
                 "permessage-deflate: ≤ 150 KB", figure, others, versus(by, value, name),
                 judged(None if by is None else by <= 150_000, at_size("reconnect-deflate", s, docs=1000))])
mp99, mmissing = dig(multi, "result", "delivery_latency", "p99_ms"), dig(multi, "result", "deliveries_missing")
one = dig(live["linli-postgres"], "delivery_latency", "p99_ms")
rows.append(["two nodes on one PostgreSQL, the live workload, peers alternating nodes: "
             "a change through node A reaches a peer on node B with p99 ≤ 100 ms",
             unit(mp99, f"ms ({f(mmissing)} missing)"), f"one node: {unit(one, 'ms')}", versus(mp99, one, "one node"),
             judged(None if mp99 is None else (mp99 <= 100 and mmissing == 0),
                    dig(multi, "params", "peers") == 16)])
for backend, name in [("sqlite", "SQLite"), ("postgres", "PostgreSQL")]:
    changed, kept, afresh = (indicator(backend, h) for h in ["kept_one_changed", "kept", "afresh"])
    rows.append([f"indicators, {name}: the county (100,000 households) ≤ 100 ms, with totals kept and "
                 "one community changed since the last report",
                 unit(changed, f"ms (nothing changed: {unit(kept, 'ms')})"),
                 f"counted afresh, every report before totals were kept: {unit(afresh, 'ms')}",
                 versus(changed, afresh, "afresh"), judged(None if changed is None else changed <= 100)])
    rows.append([f"indicators, {name}: the county counted afresh (a server's first report of a period)",
                 unit(afresh, "ms"), "—", "—", judged(None if afresh is None else afresh <= 100)])
# The plan is backed only by a capacity run that converged, with PostgreSQL's figures for it.
planned = (result("capacity", "linli-postgres") is not None
           and dig(load("pg-capacity-linli-postgres.json"), "per_item") is not None)
rows.append(["a capacity plan for a province from measured per-change costs, backed by one simulated run",
             "\"Capacity plan\" below" if planned
             else or_absent("— (no capacity run)", "capacity", "linli-postgres").replace(
                 "failed (see the notes)", "the plan below, but its simulated run failed (see the notes)"),
             "—", "—", verdict(True) if planned
             else verdict(False) if absent("capacity", "linli-postgres") != "—" else "—"])

w("## Targets of issue #21")
w("")
w("Each target with Linli's figure and, from the same run, the anchors' (the Node automerge-repo "
  "server and samod) or the floor's (bare automerge applying the same changes in process). "
  "The ratio is Linli's figure divided by the one it is held to.")
w("")
w("| target | Linli | anchors / floor | ratio | verdict |")
w("|---|---|---|---|---|")
for r in rows:
    w("| " + " | ".join(r) + " |")
w("")

# --- per workload ------------------------------------------------------------------------------
def table(title, note, header, rows):
    w(f"## {title}")
    w("")
    if note:
        w(note)
        w("")
    w("| " + " | ".join(header) + " |")
    w("|" + "---|" * len(header))
    for r in rows:
        w("| " + " | ".join(r) + " |")
    w("")


def params(workload, server):
    r = load(f"{workload}-{server}.json")
    return json.dumps(r["params"]) if r and "params" in r else "—"


rows = []
for s in SERVERS:
    b = burst[s]
    m = dig(b, "measured")
    rows.append([NAMES[s], or_absent(f(dig(b, "converged_secs")), "burst", s), f(ratio(dig(b, "converged_secs"), ls)),
                 f(dig(b, "changes_per_sec"), 0), f(dig(b, "doc_sync_latency", "p50_ms"), 1),
                 f(dig(b, "doc_sync_latency", "p99_ms"), 1), f(dig(m, "traffic", "bytes_sent")),
                 f(dig(m, "traffic", "bytes_received")), f(dig(m, "server", "cpu_secs")),
                 f(mib(dig(m, "server", "peak_rss_kib")), 0)])
rows.append(["floor: bare automerge, in process", f(floor_secs, 3), f(ratio(floor_secs, ls)),
             f(dig(floor, "result", "changes_per_sec"), 0), "", "", "", "", "", ""])
table("1. Burst", f"Parameters: {params('burst', 'linli-sqlite')} (devices, documents per device, offline "
      "changes per document, devices per group). Converged = every device holds every change of its "
      "group and the server acknowledged all of it. Latency = from reconnecting to a document converged.",
      ["server", "converged s", "÷ Linli SQLite", "changes/s", "doc p50 ms", "doc p99 ms", "bytes sent",
       "bytes received", "server CPU s", "peak RSS MiB"], rows)

rows = []
for s in SERVERS:
    i = idle[s]
    rows.append([NAMES[s], or_absent(f(dig(i, "peers")), "idle", s), f(dig(i, "server", "kib_per_peer"), 1),
                 f(mib(dig(i, "server", "rss_before_kib")), 0), f(mib(dig(i, "server", "rss_connected_kib")), 0),
                 f(dig(i, "connect_secs"), 1)])
table("2. Idle", "Each peer connects, puts one document on the server, then all stay connected doing "
      "nothing; memory per peer = (RSS with every peer connected − RSS before) ÷ peers.",
      ["server", "peers", "KiB per peer", "RSS before MiB", "RSS connected MiB", "connecting took s"], rows)

rows = []
for s in SERVERS + ["multinode"]:
    r = live[s] if s != "multinode" else dig(multi, "result")
    name = NAMES.get(s, "Linli, PostgreSQL, 2 nodes (peers alternate)")
    rows.append([name, f(dig(r, "changes")) if s == "multinode" else or_absent(f(dig(r, "changes")), "live", s),
                 f(dig(r, "deliveries")), f(dig(r, "deliveries_missing")),
                 f(dig(r, "delivery_latency", "p50_ms")), f(dig(r, "delivery_latency", "p99_ms")),
                 f(dig(r, "delivery_latency", "max_ms")), f(dig(r, "measured", "server", "cpu_secs"))])
table("3. Live", f"Parameters: {params('live', 'linli-sqlite')}. Latency = from the change's commit at one "
      "peer to the moment another peer holds it.",
      ["server", "changes", "deliveries", "missing", "p50 ms", "p99 ms", "max ms", "server CPU s"], rows)

rows = []
for s in SERVERS:
    r = recon[s]
    rows.append([NAMES[s], or_absent(f(dig(r, "round_trips_with_handshake")), "reconnect", s), f(dig(r, "wire_bytes")),
                 f(dig(r, "measured", "traffic", "frames_sent")), f(dig(r, "measured", "traffic", "frames_received")),
                 f(dig(r, "in_step_ms"), 1), deflate_figure(s)[1]])
table("4. Reconnect", f"Parameters: {params('reconnect', 'linli-sqlite')}. The device kept each document's "
      "sync state (as automerge-repo and linli-field do) and reconnects; round trips = the "
      "handshake plus the most sync messages the device sent for any one document. The last "
      "column is a second reconnect workload in which the device offers permessage-deflate, as "
      "browsers do: its bytes are counted at the TCP stream after the upgrade.",
      ["server", "round trips", "bytes on the wire", "frames sent", "frames received", "in step after ms",
       "bytes, deflate offered"], rows)

rows = []
for s in SERVERS:
    r = cold[s]
    seed = dig(load(f"cold-seed-{s}.json"), "result")
    rows.append([NAMES[s], f(dig(seed, "docs")), f(dig(seed, "docs_per_sec"), 0),
                 or_absent(f(dig(r, "ready_ms"), 0), "cold", s),
                 f(dig(r, "first_sync", "p50_ms")), f(dig(r, "first_sync", "p99_ms")),
                 f(mib(dig(r, "server", "rss_when_ready_kib")), 0)])
table("5. Cold", "The documents are put on the server over the protocol, the server is stopped and "
      "started again; ready = from starting the process until a websocket handshake completes; "
      "first sync = requesting a document nobody asked for since the restart until it is held.",
      ["server", "documents", "put per s", "ready ms", "first sync p50 ms", "p99 ms", "RSS when ready MiB"], rows)

pg = {w: load(f"pg-{w}-linli-postgres.json") for w in ["burst", "capacity", "cold"]}
capacity_run = result("capacity", "linli-postgres")
if capacity_run is not None or pg["burst"] is not None:
    cols = [("burst", burst["linli-postgres"], pg["burst"]), ("capacity", capacity_run, pg["capacity"])]

    def shape(workload):
        p = dig(load(f"{workload}-linli-postgres.json"), "params") or {}
        return f"{f(p.get('devices'))} × {f(p.get('docs'))} × {f(p.get('edits'))} ({f(p.get('group'))})"

    def per_kb(d, key):
        v = dig(d, "per_item", key)
        return None if v is None else v / 1000

    lines = [
        ("devices × documents each × changes to each (devices sharing a document)",
         lambda w, r, d: shape(w)),
        ("changes", lambda w, r, d: f(dig(r, "changes"))),
        ("converged s", lambda w, r, d: f(dig(r, "converged_secs"))),
        ("changes/s", lambda w, r, d: f(dig(r, "changes_per_sec"), 0)),
        ("document p99 ms", lambda w, r, d: f(dig(r, "doc_sync_latency", "p99_ms"), 1)),
        ("Linli server CPU s", lambda w, r, d: f(dig(r, "measured", "server", "cpu_secs"))),
        ("Linli server CPU per change, ms", lambda w, r, d: f(cpu_ms_per_change(r), 3)),
        ("Linli peak RSS MiB", lambda w, r, d: f(mib(dig(r, "measured", "server", "peak_rss_kib")), 0)),
        ("PostgreSQL CPU s (its backends, WAL writer, checkpointer)", lambda w, r, d: f(dig(d, "pg_cpu_secs"))),
        ("PostgreSQL CPU per change, ms", lambda w, r, d: f(None if dig(d, "per_item", "pg_cpu_secs") is None
                                                          else d["per_item"]["pg_cpu_secs"] * 1000, 3)),
        ("WAL written, MB", lambda w, r, d: f(None if dig(d, "wal_bytes") is None else d["wal_bytes"] / 1e6, 1)),
        ("WAL per change, KB", lambda w, r, d: f(per_kb(d, "wal_bytes"))),
        ("database growth, MB", lambda w, r, d: f(None if dig(d, "db_growth_bytes") is None
                                                  else d["db_growth_bytes"] / 1e6, 1)),
        ("database growth per change, KB", lambda w, r, d: f(per_kb(d, "db_growth_bytes"))),
        ("database size after, MB", lambda w, r, d: f(None if dig(d, "db_bytes_after") is None
                                                      else d["db_bytes_after"] / 1e6, 1)),
        ("transactions committed per change (reads included)",
         lambda w, r, d: f(dig(d, "per_item", "transactions"))),
    ]
    w("## 6. Capacity run")
    w("")
    w(f"Parameters: {params('capacity', 'linli-postgres')}. The load generator's burst at the size of "
      "a morning reconnect storm in one large county (the capacity plan below says why this size), on "
      "Linli with PostgreSQL only, beside the PostgreSQL burst of section 1. `benchmarks/pgwatch.py` "
      "samples PostgreSQL every 0.25 s; WAL, growth and PostgreSQL's CPU are those of the measured "
      "part alone (from the devices' reconnecting to convergence, not the upload of the base "
      "documents before it). WAL and PostgreSQL's background processes are the whole cluster's, so "
      "nothing else used this PostgreSQL during the run.")
    w("")
    w("| | burst, Linli, PostgreSQL | capacity, Linli, PostgreSQL |")
    w("|---|---:|---:|")
    for label, cell in lines:
        w(f"| {label} | " + " | ".join(cell(*c) for c in cols) + " |")
    w("")

w("## Long histories")
w("")
if known or cold_load is not None:
    w("What the server's side of a document pays to take in one more change as its history grows "
      "(`sync-core/benches/long_history.rs`, run by `micro.sh` in this run: one sync message "
      "received, judged by the policy, checked for conflicts, committed and fanned out to the "
      "sender and 15 peers in step; the database write and the projection are not in it), and "
      "loading a cold household of 10,000 changes. Criterion medians.")
    w("")
    w("| document | one more change | ÷ 10 visits |")
    w("|---|---:|---:|")
    base = history["household_10_visits"]
    for key, label in HISTORY:
        w(f"| {label} | {f(history[key])} ms | {f(ratio(history[key], base), 1)}× |")
    w(f"| cold load, household with 10,000 changes (`Automerge::load`) | {f(cold_load)} ms | |")
    w("")
    w(f"Target (issue #21): the four within 1.5× of each other (slowest ÷ fastest here: "
      f"{f(history_spread)}×, {judged(None if history_spread is None else history_spread <= 1.5)}); "
      f"the cold load ≤ 20 ms ({judged(None if cold_load is None else cold_load <= 20)}).")
else:
    w("No criterion figures in this run (`micro.sh` did not run, or failed).")
w("")

micro = run / "micro.md"
if micro.exists():
    w("## Micro-benchmarks (criterion)")
    w("")
    w(micro.read_text().strip())
    w("")

# The capacity plan, from this run's figures (benchmarks/capacity.py); no __pycache__ left in
# the repository.
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).parent))
import capacity  # noqa: E402

w(capacity.section(run).strip())
w("")

# What a run cannot produce: dated records and the account of the run, in the order of their
# names (benchmarks/notes/README.md).
for note in sorted((pathlib.Path(__file__).parent / "notes").glob("[0-9][0-9]-*.md")):
    w(note.read_text().strip())
    w("")
print("\n".join(out).rstrip() + "\n", end="")
