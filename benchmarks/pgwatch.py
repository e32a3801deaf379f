#!/usr/bin/env python3
"""What PostgreSQL did while a load generator run was measured: WAL written, database growth,
PostgreSQL's own CPU and its transactions. compare.sh uses it around Linli's PostgreSQL burst,
cold probe and capacity run.

    pgwatch.py watch URL SAMPLES                   # a sample every 0.25 s until SIGTERM
    pgwatch.py window SAMPLES REPORT START END OUT

`window` writes what happened between START and END (Unix seconds; END is when the load
generator exited). START `-` means the report's measured part: a burst's `converged_secs`
before END. The burst puts its base documents on the server before it measures, and their
writes must not count as the burst's. Figures are also given per item: per change for a
burst, per first sync for a cold probe.

Everything read here is cluster-wide except the database's size and counters, so nothing else
may use this PostgreSQL server during the run.
"""
import json
import os
import signal
import subprocess
import sys
import time

# One row: WAL position, database size, committed transactions, rows inserted into the change
# log, and the pids whose CPU counts as the database's (this database's backends and the
# cluster's WAL writer, checkpointer and background writer; not this session).
QUERY = (
    "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,"
    " pg_database_size(current_database()),"
    " (select xact_commit from pg_stat_database where datname = current_database()),"
    " coalesce((select n_tup_ins from pg_stat_user_tables where relname = 'changes'), 0),"
    " coalesce((select string_agg(pid::text, ' ') from pg_stat_activity"
    "  where (datname = current_database() and pid <> pg_backend_pid())"
    "  or backend_type in ('walwriter', 'checkpointer', 'background writer')), '');\n"
)
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_secs(pid):
    """User plus system CPU seconds of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return (int(fields[11]) + int(fields[12])) / TICKS


def watch(url, out_path):
    # One psql session for the whole run: a new connection per sample would cost PostgreSQL
    # a fork each time, inside the figures.
    psql = subprocess.Popen(["psql", url, "-X", "-At", "-q", "-F", "|"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    with open(out_path, "w") as out:
        while True:
            psql.stdin.write(QUERY)
            psql.stdin.flush()
            line = psql.stdout.readline().strip()
            if not line:
                break
            wal, size, xacts, inserted, pids = line.split("|")
            cpu = {p: cpu_secs(p) for p in pids.split()}
            out.write(json.dumps({"t": time.time(), "wal": int(wal), "size": int(size),
                                  "xacts": int(xacts or 0), "inserted": int(inserted),
                                  "cpu": {p: c for p, c in cpu.items() if c is not None}}) + "\n")
            out.flush()
            if stop:
                break
            time.sleep(0.25)
    psql.stdin.close()
    psql.wait()


def window(samples_path, report_path, start, end, out_path):
    samples = [json.loads(l) for l in open(samples_path) if l.strip()]
    report = json.load(open(report_path))
    result = report.get("result") or {}
    if start == "-":
        secs = result.get("converged_secs")
        start = None if secs is None else end - secs
    else:
        start = float(start)
    if not samples or start is None:
        json.dump({"error": "no samples or no measured part"}, open(out_path, "w"))
        return

    def at(t):
        """The last sample taken at or before t (the first one if none)."""
        before = [s for s in samples if s["t"] <= t]
        return before[-1] if before else samples[0]

    first, last = at(start), at(end + 0.3)
    # PostgreSQL publishes a backend's counters up to 10 s after it goes idle (PGSTAT_IDLE_INTERVAL),
    # so the counters are read from the last sample, which compare.sh takes 11 s after the end.
    settled = samples[-1]
    # A backend that started during the window counts whole; one that ended is lost (the pool
    # keeps its connections, so few do).
    pg_cpu = sum(c - first["cpu"].get(p, 0.0) for p, c in last["cpu"].items())
    if "changes" in result:
        items, counted = result["changes"], "changes"
    else:
        items, counted = (result.get("first_sync") or {}).get("count"), "first syncs"
    out = {
        "window_secs": end - start,
        "items": items,
        "counted": counted,
        "wal_bytes": last["wal"] - first["wal"],
        "db_growth_bytes": last["size"] - first["size"],
        "db_bytes_after": last["size"],
        "pg_cpu_secs": pg_cpu,
        "transactions": settled["xacts"] - first["xacts"],
        "changes_inserted": settled["inserted"] - first["inserted"],
        "sample_secs_before_start": start - first["t"],
    }
    if items:
        out["per_item"] = {k: out[k] / items
                           for k in ["wal_bytes", "db_growth_bytes", "pg_cpu_secs", "transactions"]}
    json.dump(out, open(out_path, "w"), indent=1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["watch"]:
        watch(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["window"]:
        window(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6])
    else:
        sys.exit(__doc__)
