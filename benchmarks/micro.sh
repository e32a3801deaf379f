#!/usr/bin/env bash
# Criterion micro-benchmarks of the hot paths (issues #6 and #21): the wire codec, a document's
# ingest of a sync message, the policy check, one more change on a long history and a cold
# load of 10,000 changes (sync-core/benches), the projection writer and the
# indicators over 100,000 households (server/benches). Runs them with short settings (a few
# minutes on 2 cores; the first run also seeds the indicators' SQLite county, cached under
# target/linli-bench/) and prints a markdown table of the medians from criterion's
# target/criterion/**/new/estimates.json. The targets (indicators, long histories) are judged
# by benchmarks/render.py from the same figures.
#
#   benchmarks/micro.sh               # run and print the table (progress goes to stderr)
#   benchmarks/micro.sh --table-only  # print the table of the last run without running
#
# With MICRO_JSON=<file> it also writes the figures as JSON (benchmark id → median and mean in
# ns), so that render.py reads numbers rather than the markdown; compare.sh sets it to the run
# directory's micro.json.
#
# Settings (environment): LINLI_BENCH_MEASUREMENT_TIME (s, default 3), LINLI_BENCH_WARM_UP_TIME
# (s, default 1), LINLI_BENCH_SAMPLE_SIZE (default 20; the indicators use 10),
# LINLI_TEST_PG (PostgreSQL admin URL; the indicators skip PostgreSQL when unreachable).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v jq >/dev/null || { echo "micro.sh needs jq (apt-get install jq)" >&2; exit 1; }

measurement=${LINLI_BENCH_MEASUREMENT_TIME:-3}
warm_up=${LINLI_BENCH_WARM_UP_TIME:-1}
samples=${LINLI_BENCH_SAMPLE_SIZE:-20}

target_dir=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
criterion_dir=$target_dir/criterion
stamp=$target_dir/linli-bench/micro.stamp

if [[ ${1:-} != --table-only ]]; then
  mkdir -p "$(dirname "$stamp")"
  touch "$stamp"
  args=(--measurement-time "$measurement" --warm-up-time "$warm_up" --sample-size "$samples")
  for package in linli-sync-core linli-server; do
    echo "== cargo bench -p $package" >&2
    # Progress and criterion's reports go to stderr; the table below is the only stdout.
    # `--bench '*'`: the bench targets only (`--benches` would also run the lib's libtest
    # harness, which refuses criterion's options).
    cargo bench -p "$package" --bench '*' -- "${args[@]}" >&2
  done
fi
[[ -f $stamp ]] || { echo "no benchmark run recorded yet (run without --table-only)" >&2; exit 1; }

# One line per benchmark measured since the stamp: id, median (ns), throughput kind, amount.
rows=$(
  find "$criterion_dir" -path '*/new/estimates.json' -newer "$stamp" 2>/dev/null | sort |
    while read -r estimates; do
      jq -r --slurpfile b "$(dirname "$estimates")/benchmark.json" '
        ($b[0].throughput // {}) as $t
        | [$b[0].full_id, .median.point_estimate,
           (if $t.Bytes then "bytes" elif $t.BytesDecimal then "bytes"
            elif $t.Elements then "elements" else "-" end),
           ($t.Bytes // $t.BytesDecimal // $t.Elements // 0),
           .mean.point_estimate]
        | @tsv' "$estimates"
    done
)
[[ -n $rows ]] || { echo "no criterion results found under $criterion_dir" >&2; exit 1; }

if [[ -n ${MICRO_JSON:-} ]]; then
  # One object per benchmark id; the medians and means are criterion's point estimates.
  jq -R -s 'split("\n") | map(select(length > 0) | split("\t"))
    | map({key: .[0], value: {median_ns: (.[1] | tonumber), mean_ns: (.[4] | tonumber)}})
    | from_entries' <<<"$rows" >"$MICRO_JSON"
fi

awk -F'\t' '
  function human(ns) {
    if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
    if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
    if (ns >= 1e3) return sprintf("%.2f µs", ns / 1e3)
    return sprintf("%.0f ns", ns)
  }
  function rate(kind, amount, ns,   per_s) {
    if (kind == "-" || amount == 0) return "–"
    per_s = amount / (ns / 1e9)
    if (kind == "bytes") {
      if (per_s >= 2^30) return sprintf("%.2f GiB/s", per_s / 2^30)
      return sprintf("%.1f MiB/s", per_s / 2^20)
    }
    return sprintf("%.0f elem/s", per_s)
  }
  BEGIN {
    print "| benchmark | median | throughput |"
    print "| --- | ---: | ---: |"
  }
  { print "| `" $1 "` | " human($2) " | " rate($3, $4, $2) " |" }' <<<"$rows"
