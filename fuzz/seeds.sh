#!/usr/bin/env bash
# Seeds the fuzz corpora with real frames captured from the stock automerge-repo client
# (sync-core/tests/fixtures/js): each frame alone for the decoder, and for `ingest` each
# client session's frames in order, length-prefixed as that target reads them.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../sync-core/tests/fixtures/js
mkdir -p corpus/decode_message corpus/document_id corpus/ingest
cp "$fixtures"/*.cbor corpus/decode_message/
printf '%s' '2VwXZQfUHDX5FBSqXJjLYCcSSUKZ' > corpus/document_id/bs58
printf '%s' 'automerge:2VwXZQfUHDX5FBSqXJjLYCcSSUKZ' > corpus/document_id/url
printf '%s' '6d1f8b5e-2c55-4d5f-9a61-3b4c1a0e9f77' > corpus/document_id/uuid
python3 - "$fixtures" corpus/ingest <<'PY'
import pathlib, struct, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
client = sorted(p for p in src.glob("*.cbor") if "-client-" in p.name)
def framed(paths):
    return b"".join(struct.pack("<H", len(b)) + b for b in (p.read_bytes() for p in paths))
(out / "all-client-frames").write_bytes(framed(client))
for p in client:
    (out / p.stem).write_bytes(framed([p]))
PY
# api_json: every endpoint (byte 0) as the admin (byte 1 = 0), id 1, with a body holding the
# fields the API reads (GET endpoints read it as their query string).
python3 - corpus/api_json <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
body = json.dumps({"name": "admin", "password": "wrong", "device_name": "fuzz", "refresh_token": "x",
    "org": "c01/s02", "reason": "check", "hours": 2, "path": "c01/s09", "role": "worker",
    "value": "new", "note": "ok", "status": "approved", "ids": ["a"], "keep": "a"}).encode()
query = b"limit=2&offset=1&status=open&from=2026-01-01&to=2026-12-31&org=c01/s01"
for n in range(40):
    (out / f"endpoint-{n}-body").write_bytes(bytes([n, 0, 1]) + body)
    (out / f"endpoint-{n}-query").write_bytes(bytes([n, 1, 1]) + query)
PY
echo "seeded: $(ls corpus/decode_message | wc -l) frames, $(ls corpus/ingest | wc -l) ingest inputs, $(ls corpus/api_json | wc -l) API calls"
