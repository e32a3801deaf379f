#!/usr/bin/env python3
"""The capacity plan of BENCHMARKS.md (issue #21): how many Linli nodes and what PostgreSQL a
province of Jiangsu's size needs, from the per-change costs measured in one run of compare.sh
plus public figures and stated assumptions. render.py calls section(run_dir);

    capacity.py <run dir>

prints the section alone. Every number in the plan is computed here, so that changing an
assumption below and rendering again redoes the whole plan.
"""
import json
import math
import pathlib
import sys

# --- Public figures (each cited in the text) ---------------------------------------------------
CENSUS = "http://tj.jiangsu.gov.cn/art/2021/5/18/art_86263_10500289.html"
RESIDENTS = 84_748_016  # 7th census, 1 November 2020
FAMILY_HOUSEHOLDS = 29_910_849  # 家庭户, same bulletin (plus 2,011,807 collective households)
PROVINCE = "http://en.jiangsu.gov.cn/col/col88907/index.html"
CITIES = 13  # prefecture-level cities at the end of 2023
COUNTIES = 95  # county-level divisions at the end of 2023
STREETS_AND_TOWNS = 519 + 718  # subdistricts, towns and townships at the end of 2023
AGED_65 = 15_730_000  # at the end of 2023
DIVISIONS = "https://en.wikipedia.org/wiki/List_of_administrative_divisions_of_Jiangsu"
COMMUNITIES = 7_139 + 14_475  # urban communities (社区) and villages (村)
VOLUNTEERS_SOURCE = "http://caibao.3news.cn/tongxin/2023/0328/102043.html"
VOLUNTEERS = 23_350_000  # registered in 江苏志愿服务 by March 2023
VOLUNTEER_HOURS = 1_560_000_000  # hours recorded by then
GRIDS_SOURCE = "https://prcleader.org/post/grid-management-china-s-latest-institutional-tool-of-social-control"
RESIDENTS_PER_GRID = 1_000  # "1,000 residents per unit, as in most cases"

# --- Assumptions (each stated in the text with why) -------------------------------------------
# Households by follow-up interval (docs/data-contract.md, "Follow-up plans"): days between
# visits and the share of households on that plan.
VISIT_PLANS = [(7, 0.05, "`living_alone`"),
               (14, 0.01, "`tekun`, `wubao`"),
               (30, 0.09, "`dibao`, `disabled`, `empty_nest`, `left_behind`, `zero_employment`"),
               (90, 0.85, "`default`: every other household")]
REVIEWS_PER_VISIT = 1  # a supervisor checks each visit (docs/design.md)
HOUSEHOLD_EDITS_PER_YEAR = 2  # registration changes, members, tags, moves
REQUESTS_PER_HOUSEHOLD = 0.5  # service requests a year
CHANGES_PER_REQUEST = 7  # open, assign, log, in progress, resolved, satisfaction, closed
REQUEST_CHANGES_ON_PHONES = 3  # of those, made in the field: open, log, satisfaction
ENTRIES_PER_VOLUNTEER = 4  # volunteer hours entries a year, each then decided by a supervisor
SUPERVISORS_PER_COMMUNITY, PER_STREET, PER_COUNTY = 2, 5, 10
WORKING_DAYS = 250
STORM_SECS = 600  # the phones of the province reconnect within ten minutes
NODE_CORES = 16
BUSY = 0.6  # at most this share of a node's or the database's cores busy at the storm's peak
DB_CORES = 32
PG_MAX_CONNECTIONS = 100  # PostgreSQL's default (and this machine's)
POOL = 16 + 2  # a node's connections: its pool and the LISTEN pool (server/src/store/open.rs)


def load(run, name):
    try:
        return json.loads((run / name).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def dig(d, *keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def calc(fn):
    """fn() or None when a figure it needs was not measured."""
    try:
        return fn()
    except (TypeError, KeyError, IndexError, ZeroDivisionError):
        return None


def n(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def measured(run):
    """The per-change and per-document costs of this run that the plan uses."""
    m = {}
    burst = {s: dig(load(run, f"burst-{s}.json"), "result") for s in ["linli-sqlite", "linli-postgres"]}
    capacity = dig(load(run, "capacity-linli-postgres.json"), "result")
    def per_change(r):
        return calc(lambda: r["measured"]["server"]["cpu_secs"] * 1000 / r["changes"])

    m["cpu_sqlite"] = per_change(burst["linli-sqlite"])
    m["cpu_burst_pg"] = per_change(burst["linli-postgres"])
    m["cpu_capacity_pg"] = per_change(capacity)
    # The plan uses the larger of the two PostgreSQL figures: the storm is not the burst's shape.
    known = [v for v in [m["cpu_burst_pg"], m["cpu_capacity_pg"]] if v is not None]
    m["cpu_pg"] = max(known) if known else None
    pg = {w: load(run, f"pg-{w}-linli-postgres.json") for w in ["burst", "capacity", "cold"]}
    db = pg["capacity"] if dig(pg["capacity"], "per_item") else pg["burst"]
    m["db_source"] = "capacity" if db is pg["capacity"] else "burst"
    m["pg_cpu"] = calc(lambda: db["per_item"]["pg_cpu_secs"] * 1000)
    m["wal"] = dig(db, "per_item", "wal_bytes")
    m["growth"] = dig(db, "per_item", "db_growth_bytes")
    m["xacts"] = dig(db, "per_item", "transactions")
    idle = dig(load(run, "idle-linli-postgres.json"), "result")
    m["kib_peer"] = dig(idle, "server", "kib_per_peer")
    m["idle_peers"] = dig(idle, "peers")
    recon = dig(load(run, "reconnect-linli-postgres.json"), "result")
    m["reconnect_bytes"] = calc(lambda: recon["wire_bytes"] / recon["docs"])
    m["reconnect_cpu"] = calc(lambda: recon["measured"]["server"]["cpu_secs"] * 1000 / recon["docs"])
    cold = dig(load(run, "cold-linli-postgres.json"), "result")
    ticks = load(run, "cold-cpu-linli-postgres.json")
    m["cold_p50"] = dig(cold, "first_sync", "p50_ms")
    m["cold_cpu"] = calc(lambda: (ticks["cpu_ticks_at_end"] / ticks["clock_ticks_per_sec"]
                                  - cold["server"]["cpu_secs_to_ready"]) * 1000
                         / cold["first_sync"]["count"])
    if m["cold_cpu"] is not None and m["cold_cpu"] <= 0:
        m["cold_cpu"] = None
    m["cold_pg_cpu"] = calc(lambda: pg["cold"]["per_item"]["pg_cpu_secs"] * 1000)
    m["capacity"] = capacity
    m["capacity_params"] = dig(load(run, "capacity-linli-postgres.json"), "params")
    m["capacity_db"] = pg["capacity"]
    # How long the capacity workload took, set-up included: its PostgreSQL samples span it.
    samples = run / "pg-capacity.samples"
    lines = samples.read_text().splitlines() if samples.exists() else []
    m["capacity_minutes"] = calc(lambda: (json.loads(lines[-1])["t"] - json.loads(lines[0])["t"]) / 60)
    micro = load(run, "micro.json") or {}
    m["county_afresh_pg"] = calc(lambda: micro["indicators_postgres/afresh/county"]["median_ns"] / 1e6)
    return m


def section(run):
    run = pathlib.Path(run)
    m = measured(run)
    out = []
    w = out.append

    # A year of work.
    grids = RESIDENTS / RESIDENTS_PER_GRID
    per_grid = FAMILY_HOUSEHOLDS / grids
    supervisors = (COMMUNITIES * SUPERVISORS_PER_COMMUNITY + STREETS_AND_TOWNS * PER_STREET
                   + COUNTIES * PER_COUNTY)
    visits_each = sum(share * 365 / days for days, share, _ in VISIT_PLANS)
    visits = FAMILY_HOUSEHOLDS * visits_each
    year = [  # (what, changes a year, of which made on phones in the field)
        ("visits", visits, visits),
        ("supervisors' reviews of visits", visits * REVIEWS_PER_VISIT, 0),
        ("other household changes", FAMILY_HOUSEHOLDS * HOUSEHOLD_EDITS_PER_YEAR,
         FAMILY_HOUSEHOLDS * HOUSEHOLD_EDITS_PER_YEAR),
        ("service requests", FAMILY_HOUSEHOLDS * REQUESTS_PER_HOUSEHOLD * CHANGES_PER_REQUEST,
         FAMILY_HOUSEHOLDS * REQUESTS_PER_HOUSEHOLD * REQUEST_CHANGES_ON_PHONES),
        ("volunteer entries and their decisions", VOLUNTEERS * ENTRIES_PER_VOLUNTEER * 2,
         VOLUNTEERS * ENTRIES_PER_VOLUNTEER),
    ]
    changes_year = sum(c for _, c, _ in year)
    field_day = sum(f for _, _, f in year) / WORKING_DAYS
    # What one grid worker's phone makes in a working day (the volunteers' entries are theirs).
    worker_day = (field_day - VOLUNTEERS * ENTRIES_PER_VOLUNTEER / WORKING_DAYS) / grids
    working_rate = changes_year / (WORKING_DAYS * 8 * 3600)

    # The morning storm.
    storm_rate = field_day / STORM_SECS
    volunteers_today = VOLUNTEERS * ENTRIES_PER_VOLUNTEER / WORKING_DAYS
    storm_docs = grids * per_grid + volunteers_today
    doc_rate = storm_docs / STORM_SECS
    # A document re-synced in the storm is cold (documents leave memory 60 s after their last
    # peer), so it costs what the cold workload's first sync cost, not the hot reconnect's.
    doc_cpu = m["cold_cpu"]
    change_cores = calc(lambda: storm_rate * m["cpu_pg"] / 1000)
    doc_cores = calc(lambda: doc_rate * doc_cpu / 1000)
    cores = calc(lambda: change_cores + doc_cores)
    nodes = calc(lambda: max(2, math.ceil(cores / (NODE_CORES * BUSY))))
    connections = grids + volunteers_today + supervisors
    per_node = calc(lambda: connections / nodes)
    node_gib = calc(lambda: per_node * m["kib_peer"] / 1024 / 1024)
    storm_bytes = calc(lambda: storm_docs * m["reconnect_bytes"])
    db_change_cores = calc(lambda: storm_rate * m["pg_cpu"] / 1000)
    db_doc_cores = calc(lambda: doc_rate * m["cold_pg_cpu"] / 1000)
    db_cores = calc(lambda: db_change_cores + db_doc_cores)
    wal_rate = calc(lambda: storm_rate * m["wal"] / 1e6)
    wal_year = calc(lambda: changes_year * m["wal"] / 1e12)
    growth_year = calc(lambda: changes_year * m["growth"] / 1e12)
    db_connections = calc(lambda: nodes * POOL)
    commits = calc(lambda: storm_rate * m["xacts"])
    notices = calc(lambda: commits * nodes)
    db_change_ceiling = calc(lambda: DB_CORES * BUSY * 1000 / m["pg_cpu"])
    wal_at_ceiling = calc(lambda: db_change_ceiling * m["wal"] / 1e6)
    # The shortest storm one database takes within its busy share of cores.
    db_shortest = calc(lambda: STORM_SECS * db_cores / (DB_CORES * BUSY) / 60)
    db_room = calc(lambda: DB_CORES * BUSY / db_cores)
    databases = calc(lambda: max(1, math.ceil(db_cores / (DB_CORES * BUSY))))
    docs_dominate = calc(lambda: doc_cores > change_cores)
    city_nodes = calc(lambda: max(2, math.ceil(cores / CITIES / (NODE_CORES * BUSY))))
    # PostgreSQL keeps 3 connections for superusers (superuser_reserved_connections).
    nodes_per_db = (PG_MAX_CONNECTIONS - 3) // POOL

    w("## Capacity plan: a province the size of Jiangsu")
    w("")
    w("How many Linli nodes and what PostgreSQL a province needs, from the per-change costs "
      "measured in this run, public figures (each with its address) and assumptions (each "
      "marked as one, with why). Every figure below is computed by `benchmarks/capacity.py` "
      "from this run's files; change an assumption there and render again to redo the plan.")
    w("")
    if nodes is None or databases is None:
        w("**In short**: this run lacks figures the plan needs (shown as — below); the "
          "arithmetic stands, with the missing figures to fill in.")
    elif databases == 1:
        w(f"**In short**: {n(nodes)} Linli nodes of {NODE_CORES} cores and one PostgreSQL primary "
          f"of {DB_CORES} cores (`max_connections` raised to at least {n(db_connections)}, and "
          f"{n(calc(lambda: growth_year * 1000))} GB more storage a year) carry the province's "
          f"morning storm at the assumptions below, the database with {n(db_room, 1)}× room. "
          f"Past that (a storm {n(db_room, 1)}× as dense, or a province that much larger), one "
          "database is the limit, and documents are partitioned by county over one database "
          "per city.")
    else:
        w(f"**In short**: {n(nodes)} Linli nodes of {NODE_CORES} cores carry the province's "
          "morning storm at the assumptions below, but one PostgreSQL primary of "
          f"{DB_CORES} cores does not: the storm asks {n(db_cores, 1)} of its cores, more than "
          f"{BUSY:.0%} of them. Documents are partitioned by county over one database "
          f"per city ({CITIES}), each with its nodes, from the start; each database then grows "
          f"by {n(calc(lambda: growth_year * 1000 / CITIES))} GB a year.")
    if docs_dominate:
        w("The storm's cost is in re-syncing the documents nobody changed, not in the changes.")
    w("")
    w("### Public figures")
    w("")
    w("| figure | value | source |")
    w("|---|---:|---|")
    w(f"| residents (7th census, 1 November 2020) | {n(RESIDENTS)} | Jiangsu statistics bureau, census bulletin no. 1, <{CENSUS}> |")
    w(f"| family households (家庭户; plus 2,011,807 collective households, not counted here) | {n(FAMILY_HOUSEHOLDS)} | the same bulletin |")
    w(f"| prefecture-level cities; county-level divisions; subdistricts, towns and townships (end of 2023) | {CITIES}; {COUNTIES}; {n(STREETS_AND_TOWNS)} | Jiangsu provincial government, <{PROVINCE}> |")
    w(f"| residents aged 65 and over (end of 2023) | {n(AGED_65)} | the same page |")
    w(f"| urban communities and villages | {n(COMMUNITIES)} (7,139 + 14,475) | <{DIVISIONS}> |")
    w(f"| volunteers registered in Jiangsu's volunteer service system (March 2023) | {n(VOLUNTEERS)} | Jiangsu Broadcasting's report, as reprinted at <{VOLUNTEERS_SOURCE}> (2,335万, 15.6亿 hours recorded) |")
    w(f"| residents per grid (网格) | about {n(RESIDENTS_PER_GRID)} \"in most cases\" | Minxin Pei, *Grid Management: China's Latest Institutional Tool of Social Control*, <{GRIDS_SOURCE}> (over a million grids in China) |")
    w("")
    w("No public count of Jiangsu's grid workers (网格员) was found; the plan takes one worker, "
      "with one phone, per grid of about 1,000 residents, which is the figure above.")
    w("")
    w("### Assumptions")
    w("")
    w(f"- **Grid workers: {n(grids)}**, one per grid ({n(RESIDENTS)} ÷ {n(RESIDENTS_PER_GRID)}), "
      f"each with the {n(per_grid)} households of a grid ({n(FAMILY_HOUSEHOLDS)} ÷ {n(grids)}) on "
      "the phone; the worker's app opens every household of the grid (README, \"The web app\").")
    w(f"- **Supervisors: {n(supervisors)}**: {SUPERVISORS_PER_COMMUNITY} per community or village, "
      f"{PER_STREET} per street office or town, {PER_COUNTY} per county (an assumption: staff who "
      "review at a desk; no public count was found).")
    w(f"- **Volunteers: all {n(VOLUNTEERS)} registered ones have a volunteer document**, each with "
      f"{ENTRIES_PER_VOLUNTEER} entries of hours a year, each decided by a supervisor (an "
      "assumption: most registered volunteers are seldom active; the system's 15.6 billion "
      f"recorded hours are {n(VOLUNTEER_HOURS / VOLUNTEERS)} hours per volunteer since each "
      "registered, a few entries a year over several years). The policy's own target is 8% of "
      "residents, 6.8 million (docs/design.md), so this is the larger case.")
    plans = "; ".join(f"{share:.0%} every {days} days ({what})" for days, share, what in VISIT_PLANS)
    plans = plans.replace("`default`: every other", "every other")
    w(f"- **Visits follow Linli's default follow-up plans** (docs/data-contract.md, \"Follow-up "
      f"plans\", by the tags a household carries): {plans}. The shares are assumptions: one in ten of the "
      f"{n(AGED_65)} residents aged 65 and over living alone would be 1.6 million households, "
      f"5% of all. That is {visits_each:.2f} visits per household a year.")
    w(f"- Each visit is reviewed by a supervisor ({REVIEWS_PER_VISIT} change; docs/design.md: "
      f"supervisors check visits); {HOUSEHOLD_EDITS_PER_YEAR} other changes per household a year "
      f"(members, tags, moves); {REQUESTS_PER_HOUSEHOLD} service requests per household a year, "
      f"{CHANGES_PER_REQUEST} changes each as the workflow goes (docs/data-contract.md, "
      f"\"Requests\"), {REQUEST_CHANGES_ON_PHONES} of them made on phones. All assumptions.")
    w(f"- Work happens on {WORKING_DAYS} working days of 8 hours.")
    w(f"- **The morning storm**: the signal returns everywhere at once after a working day "
      f"without it, and every phone reconnects within {STORM_SECS // 60} minutes, carrying one "
      "working day of field changes; every grid worker's phone syncs every household of its "
      "grid, changed or not (automerge-repo syncs every open document on reconnecting), and "
      "each volunteer who logged hours that day syncs one document. The window is an "
      "assumption; every storm figure scales with its inverse.")
    w(f"- A node has {NODE_CORES} cores and the database {DB_CORES}; at the storm's peak at most "
      f"{BUSY:.0%} of them are busy. Linli's CPU is assumed to scale with cores: this machine "
      "(2 cores, the server pinned to one) cannot show that.")
    w("")
    w("### Measured in this run")
    w("")
    w("| cost | value | from |")
    w("|---|---:|---|")
    w(f"| Linli's CPU per change, SQLite | {n(m['cpu_sqlite'], 3)} ms | burst (section 1) |")
    w(f"| Linli's CPU per change, PostgreSQL | {n(m['cpu_burst_pg'], 3)} ms (burst), {n(m['cpu_capacity_pg'], 3)} ms (capacity run) | sections 1 and 6; the plan uses the larger |")
    w(f"| PostgreSQL's CPU per change | {n(m['pg_cpu'], 3)} ms | the {m['db_source']} run (section 6) |")
    w(f"| WAL per change | {n(m['wal'])} bytes | the same |")
    w(f"| database growth per change | {n(m['growth'])} bytes | the same |")
    w(f"| transactions committed per change (reads included) | {n(m['xacts'], 2)} | the same |")
    w(f"| memory per quiet connected peer | {n(m['kib_peer'], 1)} KiB | idle, PostgreSQL, {n(m['idle_peers'])} peers (section 2) |")
    w(f"| bytes per unchanged document on reconnecting | {n(m['reconnect_bytes'])} | reconnect, PostgreSQL (section 4) |")
    w(f"| Linli's CPU per unchanged document on reconnecting, loaded | {n(m['reconnect_cpu'], 3)} ms | the same |")
    w(f"| first sync of a cold document: p50 latency; Linli's CPU; PostgreSQL's CPU | {n(m['cold_p50'], 2)} ms; {n(m['cold_cpu'], 3)} ms; {n(m['cold_pg_cpu'], 3)} ms | cold, PostgreSQL (section 5; the CPU from the server's start to the last probe, over the probes) |")
    w("")
    w("### A year")
    w("")
    w("| what | changes a year | of which made on phones |")
    w("|---|---:|---:|")
    for what, c, fld in year:
        w(f"| {what} | {n(c)} | {n(fld)} |")
    w(f"| **all** | **{n(changes_year)}** | {n(sum(f for _, _, f in year))} |")
    w("")
    w(f"That is {n(changes_year / WORKING_DAYS)} changes a working day, {n(working_rate)} a "
      f"second on average over working hours, and {n(field_day)} changes a day made on phones.")
    w("")
    w(f"- **WAL a year**: {n(changes_year)} × {n(m['wal'])} bytes = "
      f"**{n(calc(lambda: wal_year * 1000))} GB** (what archiving and a streaming replica carry).")
    w(f"- **Storage growth a year**: {n(changes_year)} × {n(m['growth'])} bytes = "
      f"**{n(calc(lambda: growth_year * 1000))} GB** (change log, snapshots, projections and their "
      "indexes, as the run's database grew; the change log is never compacted).")
    w("")
    w("### The morning storm")
    w("")
    w(f"- Changes: {n(field_day)} in {STORM_SECS} s = **{n(storm_rate)} changes/s** (the "
      "supervisors' reviews are made online at a desk, not in the storm).")
    w(f"- Documents re-synced: {n(grids)} phones × {n(per_grid)} households + "
      f"{n(volunteers_today)} volunteers' documents = {n(storm_docs)} in {STORM_SECS} s = "
      f"**{n(doc_rate)} documents/s**. They are cold: a document leaves memory 60 s after its "
      "last peer (`--evict-after-secs`), so each is loaded from the database. Each is charged "
      "what a cold document's first sync cost in section 5 (loaded, then sent whole to a "
      "device that did not hold it), more than a document the phone already holds needs.")
    w(f"- Linli's CPU: {n(storm_rate)} × {n(m['cpu_pg'], 3)} ms = {n(change_cores, 1)} cores "
      f"for the changes, and {n(doc_rate)} × {n(doc_cpu, 3)} ms = {n(doc_cores, 1)} cores for "
      f"the cold documents: **{n(cores, 1)} cores**.")
    w(f"- **Nodes: {n(nodes)}** of {NODE_CORES} cores at {BUSY:.0%} ({n(cores, 1)} ÷ "
      f"{n(NODE_CORES * BUSY, 1)}, rounded up, at least two for failover).")
    w(f"- Connections: {n(grids)} workers' phones + {n(volunteers_today)} volunteers' + "
      f"{n(supervisors)} supervisors' = {n(connections)}, **{n(per_node)} per node**, holding "
      f"{n(node_gib, 1)} GiB of memory per node at {n(m['kib_peer'], 1)} KiB each (the idle "
      "workload's quiet peer; a peer in mid-sync holds more). Each node's `--max-connections` "
      "(1,024 by default) must be raised to match.")
    w(f"- Bytes on the wire for the unchanged documents: {n(storm_docs)} × "
      f"{n(m['reconnect_bytes'])} = {n(calc(lambda: storm_bytes / 1e9), 1)} GB, "
      f"{n(calc(lambda: storm_bytes / STORM_SECS / 1e6), 1)} MB/s for the province.")
    w(f"- PostgreSQL: {n(storm_rate)} × {n(m['pg_cpu'], 3)} ms = {n(db_change_cores, 1)} cores "
      f"for the changes, {n(doc_rate)} × {n(m['cold_pg_cpu'], 3)} ms = {n(db_doc_cores, 1)} "
      f"cores for loading the cold documents: **{n(db_cores, 1)} cores**; WAL "
      f"{n(storm_rate)} × {n(m['wal'])} bytes = **{n(wal_rate, 1)} MB/s**; "
      f"{n(storm_rate)} × {n(m['xacts'], 2)} = {n(commits)} transactions/s for the changes "
      "(reads included).")
    w("")
    w("### Per node and per database")
    w("")
    w("| | one node | the database |")
    w("|---|---:|---:|")
    w(f"| changes/s at the storm's peak | {n(calc(lambda: storm_rate / nodes))} | {n(storm_rate)} |")
    w(f"| cold documents/s at the peak | {n(calc(lambda: doc_rate / nodes))} | {n(doc_rate)} |")
    w(f"| CPU cores busy at the peak | {n(calc(lambda: cores / nodes), 1)} of {NODE_CORES} | {n(db_cores, 1)} of {DB_CORES} |")
    w(f"| connections | {n(per_node)} websockets | {n(db_connections)} ({n(nodes)} nodes × {POOL}) |")
    w(f"| memory for connections | {n(node_gib, 1)} GiB | |")
    w(f"| WAL at the peak | | {n(wal_rate, 1)} MB/s |")
    w(f"| WAL a year; growth a year | | {n(calc(lambda: wal_year * 1000))} GB; "
      f"{n(calc(lambda: growth_year * 1000))} GB |")
    w("")
    w("### Where the design stops scaling, and what takes over")
    w("")
    w(f"- **Connections to one database.** Each node holds up to {POOL} PostgreSQL connections "
      f"(a pool of 16 and 2 for `LISTEN`), so PostgreSQL's default `max_connections` of "
      f"{PG_MAX_CONNECTIONS} serves {nodes_per_db} nodes; this plan's {n(nodes)} nodes need "
      f"{n(db_connections)}. Raising `max_connections` to a few hundred works; a pooler in "
      "transaction mode does not, since `LISTEN` needs its own session.")
    w(f"- **`NOTIFY` fan-out.** Every commit that stores changes notifies, and every node "
      f"receives every notice: about {n(commits)} commits/s × {n(nodes)} nodes = "
      f"**{n(notices)} notices/s** at the peak, growing with nodes × commits. PostgreSQL also "
      "takes a cluster-wide lock on its notification queue at each notifying commit "
      "(ARCHITECTURE.md, \"Several nodes\"), which serialises those commits; this run does not "
      "measure where that saturates (the two-node live workload is the only multi-node "
      "figure).")
    w(f"- **One database's writes and reads.** At {n(m['pg_cpu'], 3)} ms of PostgreSQL CPU per "
      f"change, {DB_CORES} cores at {BUSY:.0%} take about {n(db_change_ceiling)} changes/s (WAL "
      f"would then run at {n(wal_at_ceiling)} MB/s, which this run does not show one server "
      f"sustaining); the storm's changes ask {n(storm_rate)}/s. Its cold documents ask "
      f"{n(db_doc_cores, 1)} cores more, so the database's share of its cores is used up by a "
      f"storm shorter than {n(db_shortest, 1)} minutes. A year adds "
      f"{n(calc(lambda: growth_year * 1000))} GB to it, which backups, restores and vacuum "
      "must carry.")
    w(f"- **What takes over: one database per city, documents partitioned by county** (not "
      "built: a Linli node has one database). Every document belongs to one org path, and every "
      f"path starts with its county, so the {COUNTIES} counties can be spread over {CITIES} "
      "databases, one per prefecture-level city, each with its own group of nodes (a phone's "
      "county picks its city's address, by DNS or the reverse proxy). Each database then "
      f"carries about 1/{CITIES} of the load: {n(calc(lambda: storm_rate / CITIES))} changes/s "
      f"and {n(calc(lambda: db_cores / CITIES), 1)} database cores at the storm's peak, "
      f"{n(calc(lambda: growth_year * 1000 / CITIES))} GB a year, the connections of "
      f"{n(city_nodes)} nodes (at least two per city, for failover; {n(calc(lambda: city_nodes * CITIES))} "
      "in the province); and `NOTIFY` reaches only that city's nodes. What crosses databases is a household moving to another city's "
      "county (an export and import) and the province's own reports, which add up the cities'.")
    w("- **Indicators on read replicas** (not built: Linli reads and writes its one database). "
      "Reports read only the projection tables, so a streaming replica per database can answer "
      "them and the exports, away from the storm's writes (a county's report counted afresh "
      f"took {n(m['county_afresh_pg'])} ms on PostgreSQL in this run's micro-benchmarks); a "
      f"province report adds the {CITIES} cities' reports.")
    if docs_dominate is not None:
        w(f"- **The storm's largest cost.** Changes need {n(change_cores, 1)} cores of Linli and "
          f"the unchanged documents {n(doc_cores, 1)}; on the database "
          f"{n(db_change_cores, 1)} and {n(db_doc_cores, 1)}. Answering an unchanged document "
          "from its stored heads and the peer's kept sync state, without loading it (not done), "
          "and phones that stagger their reconnection over a longer window both shrink the "
          "second.")
    w("")
    cap, cp = m["capacity"], m["capacity_params"] or {}
    w("### The simulated run")
    w("")
    failed = dig(load(run, "capacity-linli-postgres.json"), "error")
    if cap is None and failed:
        w(f"This run's capacity run failed: \"{failed}\". The plan above rests on the burst's "
          "per-change costs alone; \"How this run went\" below says why the run failed.")
    elif cap is None:
        w("This run has no capacity run (`compare.sh`'s `capacity` workload did not run).")
    else:
        carried = calc(lambda: cp["docs"] * cp["edits"])
        w(f"Section 6's capacity run: {n(cp.get('devices'))} phones reconnecting at once, each "
          f"with {n(cp.get('docs'))} households it changed offline and {n(cp.get('edits'))} "
          f"changes to each, {n(cap.get('changes'))} changes in all, on Linli with PostgreSQL. "
          f"At {n(RESIDENTS_PER_GRID)} residents a grid that is the grid workers of a county of "
          f"{n(calc(lambda: cp['devices'] * RESIDENTS_PER_GRID / 1e6), 1)} million residents; "
          f"the average county has {n(RESIDENTS / COUNTIES / 1e6, 2)} million ({n(RESIDENTS)} ÷ "
          f"{COUNTIES}). Each phone carries {n(carried)} changes, {n(calc(lambda: carried / worker_day), 1)} "
          f"working days of a grid worker's field changes at the assumptions above "
          f"({n(worker_day, 1)} a day): a storm after days without signal. The workload took "
          f"{n(m['capacity_minutes'], 1)} minutes in this run, set-up included: about the most "
          "this machine does in a quarter of an hour, since the load generator is one thread on "
          "one core that builds and holds every device's documents, and the server has the "
          "other core.")
        w("")
        agree = calc(lambda: m["cpu_capacity_pg"] / m["cpu_burst_pg"])
        w(f"Linli's CPU per change was {n(m['cpu_capacity_pg'], 3)} ms there against "
          f"{n(m['cpu_burst_pg'], 3)} ms in the 500-device burst ({n(agree, 2)}×); every "
          f"phone was in step after {n(cap.get('converged_secs'), 1)} s. PostgreSQL wrote "
          f"{n(calc(lambda: m['capacity_db']['wal_bytes'] / 1e6), 1)} MB "
          f"of WAL and grew by {n(calc(lambda: m['capacity_db']['db_growth_bytes'] / 1e6), 1)} MB "
          "in it. The plan scales these per-change figures linearly; the run backs that only "
          f"as far as {n(cp.get('devices'))} phones on one node.")
    w("")
    return "\n".join(out)


if __name__ == "__main__":
    print(section(sys.argv[1]))
