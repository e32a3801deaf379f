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
  "`QUICK=1` runs small sizes; `SERVERS=…` and `WORKLOADS=…` pick a subset.")
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
  "are not counted); peak RSS is the process's `VmHWM`.")
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

w("## Targets of issue #6")
w("")
w("| target | Linli | anchors | ratio | verdict |")
w("|---|---|---|---|---|")
ls = conv["linli-sqlite"]
r_node = ratio(conv["node"], ls)
r_samod = ratio(conv["samod"], ls)
r_floor = ratio(ls, floor_secs)
w(f"| burst, SQLite: ≥ 3× faster than Node | {f(ls)} s | Node {f(conv['node'])} s | Node/Linli {f(r_node)}× | {verdict(None if r_node is None else r_node >= 3)} |")
w(f"| burst, SQLite: ≥ 1.5× faster than samod | {f(ls)} s | samod {f(conv['samod'])} s | samod/Linli {f(r_samod)}× | {verdict(None if r_samod is None else r_samod >= 1.5)} |")
w(f"| burst, SQLite: within 2.5× of the floor | {f(ls)} s | floor {f(floor_secs, 3)} s | Linli/floor {f(r_floor)}× | {verdict(None if r_floor is None else r_floor <= 2.5)} |")
kib = dig(idle["linli-sqlite"], "server", "kib_per_peer")
others = ", ".join(f"{NAMES[s]} {f(dig(idle[s], 'server', 'kib_per_peer'), 1)}" for s in ["node", "samod"])
w(f"| idle: ≤ 20 KiB per idle peer (C={f(dig(idle['linli-sqlite'], 'peers'))}) | {f(kib, 1)} KiB | {others} KiB | | {verdict(None if kib is None else kib <= 20)} |")
p99 = dig(live["linli-sqlite"], "delivery_latency", "p99_ms")
others = ", ".join(f"{NAMES[s]} {f(dig(live[s], 'delivery_latency', 'p99_ms'))}" for s in ["node", "samod"])
w(f"| live: p99 delivery ≤ 50 ms, 16 peers | {f(p99)} ms | {others} ms | | {verdict(None if p99 is None else p99 <= 50)} |")
rt = dig(recon["linli-sqlite"], "round_trips_with_handshake")
by = dig(recon["linli-sqlite"], "wire_bytes")
others = ", ".join(f"{NAMES[s]} {f(dig(recon[s], 'round_trips_with_handshake'))} / {f(dig(recon[s], 'wire_bytes'))} B" for s in ["node", "samod"])
ok = None if rt is None else (rt <= 2 and by <= 150_000)
w(f"| reconnect, 1,000 unchanged docs: ≤ 2 round trips, ≤ 150 KB | {f(rt)} / {f(by)} B | {others} | | {verdict(ok)} |")
ready = dig(cold["linli-sqlite"], "ready_ms")
first = dig(cold["linli-sqlite"], "first_sync", "p50_ms")
others = ", ".join(f"{NAMES[s]} {f(dig(cold[s], 'ready_ms'))} / {f(dig(cold[s], 'first_sync', 'p50_ms'))} ms" for s in ["node", "samod"])
ok = None if ready is None else (ready <= 1000 and first <= 5)
w(f"| cold, 100,000 docs: ready ≤ 1 s, first sync p50 ≤ 5 ms | {f(ready)} / {f(first)} ms | {others} | | {verdict(ok)} |")
mp99 = dig(multi, "result", "delivery_latency", "p99_ms")
w(f"| multi-node: A → B delivery p99 ≤ 100 ms | {f(mp99)} ms | | | {verdict(None if mp99 is None else mp99 <= 100)} |")
micro_target = (run / "micro-target.txt")
if micro_target.exists():
    w(micro_target.read_text().strip())
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
    rows.append([NAMES[s], f(dig(b, "converged_secs")), f(ratio(dig(b, "converged_secs"), ls)),
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
    rows.append([NAMES[s], f(dig(i, "peers")), f(dig(i, "server", "kib_per_peer"), 1),
                 f(mib(dig(i, "server", "rss_before_kib")), 0), f(mib(dig(i, "server", "rss_connected_kib")), 0),
                 f(dig(i, "connect_secs"), 1)])
table("2. Idle", "Each peer connects, puts one document on the server, then all stay connected doing "
      "nothing; memory per peer = (RSS with every peer connected − RSS before) ÷ peers.",
      ["server", "peers", "KiB per peer", "RSS before MiB", "RSS connected MiB", "connecting took s"], rows)

rows = []
for s in SERVERS + ["multinode"]:
    r = live[s] if s != "multinode" else dig(multi, "result")
    name = NAMES.get(s, "Linli, PostgreSQL, 2 nodes (peers alternate)")
    rows.append([name, f(dig(r, "changes")), f(dig(r, "deliveries")), f(dig(r, "deliveries_missing")),
                 f(dig(r, "delivery_latency", "p50_ms")), f(dig(r, "delivery_latency", "p99_ms")),
                 f(dig(r, "delivery_latency", "max_ms")), f(dig(r, "measured", "server", "cpu_secs"))])
table("3. Live", f"Parameters: {params('live', 'linli-sqlite')}. Latency = from the change's commit at one "
      "peer to the moment another peer holds it.",
      ["server", "changes", "deliveries", "missing", "p50 ms", "p99 ms", "max ms", "server CPU s"], rows)

rows = []
for s in SERVERS:
    r = recon[s]
    rows.append([NAMES[s], f(dig(r, "round_trips_with_handshake")), f(dig(r, "wire_bytes")),
                 f(dig(r, "measured", "traffic", "frames_sent")), f(dig(r, "measured", "traffic", "frames_received")),
                 f(dig(r, "in_step_ms"), 1)])
table("4. Reconnect", f"Parameters: {params('reconnect', 'linli-sqlite')}. The device kept each document's "
      "sync state (as automerge-repo and linli-field do) and reconnects; round trips = the "
      "handshake plus the most sync messages the device sent for any one document.",
      ["server", "round trips", "bytes on the wire", "frames sent", "frames received", "in step after ms"], rows)

rows = []
for s in SERVERS:
    r = cold[s]
    seed = dig(load(f"cold-seed-{s}.json"), "result")
    rows.append([NAMES[s], f(dig(seed, "docs")), f(dig(seed, "docs_per_sec"), 0), f(dig(r, "ready_ms"), 0),
                 f(dig(r, "first_sync", "p50_ms")), f(dig(r, "first_sync", "p99_ms")),
                 f(mib(dig(r, "server", "rss_when_ready_kib")), 0)])
table("5. Cold", "The documents are put on the server over the protocol, the server is stopped and "
      "started again; ready = from starting the process until a websocket handshake completes; "
      "first sync = requesting a document nobody asked for since the restart until it is held.",
      ["server", "documents", "put per s", "ready ms", "first sync p50 ms", "p99 ms", "RSS when ready MiB"], rows)

micro = run / "micro.md"
if micro.exists():
    w("## Micro-benchmarks (criterion)")
    w("")
    w(micro.read_text().strip())
    w("")

notes = pathlib.Path(__file__).parent / "notes.md"
if notes.exists():
    w(notes.read_text().strip())
    w("")
print("\n".join(out))
