#!/usr/bin/env bash
# Builds the two bench-only anchor servers (see README.md). Idempotent: npm and
# cargo do nothing when everything is already in place.
#
#   bash benchmarks/anchors/build.sh
#
# Needs node >= 20 with npm, and cargo. Prints where the entry points are.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

echo "== node anchor: npm install" >&2
# --no-audit/--no-fund: no extra registry traffic; the lock file pins every package.
npm install --prefix "$here/node" --no-audit --no-fund --loglevel=error >&2

echo "== samod anchor: cargo build --release (first build takes a few minutes)" >&2
# Its own target/ inside samod/, whatever the caller's CARGO_TARGET_DIR says.
env -u CARGO_TARGET_DIR cargo build --release --locked --manifest-path "$here/samod/Cargo.toml" >&2

node_server="$here/node/server.mjs"
samod_bin="$here/samod/target/release/linli-anchor-samod"
test -f "$node_server" && test -d "$here/node/node_modules/@automerge/automerge-repo"
test -x "$samod_bin"
echo "node-anchor:  node $node_server --port PORT --data DIR"
echo "samod-anchor: $samod_bin --port PORT --data DIR"
