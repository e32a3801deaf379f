#!/usr/bin/env python3
"""What permessage-deflate can save on the reconnect workload, by model.

One device reconnects holding 1,000 documents, nothing new on either side: one automerge-repo
`sync` message each way per document. The messages are modelled in CBOR with random document
ids (base58, as automerge-repo's) and random 32-byte heads, then compressed as RFC 7692 does
(raw deflate, a sync flush per message, its last four bytes dropped), with and without the
compression context kept between messages. Bytes include the websocket frame headers (the
client's are masked), as the load generator counts them.

    python3 benchmarks/deflate_model.py
"""
import os
import random
import zlib

DOCS = 1000
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
rng = random.Random(1)


def b58(n):
    return "".join(rng.choice(B58) for _ in range(n))


def text(s):
    b = s.encode()
    return (bytes([0x60 + len(b)]) if len(b) < 24 else bytes([0x78, len(b)])) + b


def blob(b):
    return (bytes([0x40 + len(b)]) if len(b) < 24 else bytes([0x58, len(b)])) + b


def sync_message(sender, target, document, head):
    # automerge's sync message for a document in step: its heads, nothing needed, the last
    # sync's heads with an empty bloom filter, no changes.
    data = bytes([0x42, 1]) + head + bytes([0, 1, 1]) + head + bytes([0, 0])
    fields = [("type", text("sync")), ("senderId", text(sender)), ("targetId", text(target)),
              ("documentId", text(document)), ("data", blob(data))]
    return bytes([0xA0 + len(fields)]) + b"".join(text(k) + v for k, v in fields)


def header(n, masked):
    return 2 + (2 if n > 125 else 0) + (4 if masked else 0)


def wire(messages, keep_context, masked, level):
    total = 0
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
    for m in messages:
        if not keep_context:
            deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
        out = (deflate.compress(m) + deflate.flush(zlib.Z_SYNC_FLUSH))[:-4]
        total += len(out) + header(len(out), masked)
    return total


docs = [(b58(28), os.urandom(32)) for _ in range(DOCS)]
client, server = "peer-" + b58(16), "ln-abcdefgh"
up = [sync_message(client, server, d, h) for d, h in docs]
down = [sync_message(server, client, d, h) for d, h in docs]
plain = sum(len(m) + header(len(m), True) for m in up) + sum(len(m) + header(len(m), False) for m in down)
print(f"uncompressed: {plain:,} B")
for name, client_keeps, server_keeps in [("context kept both ways (full)", True, True),
                                         ("the client's context only", True, False),
                                         ("no context (stateless)", False, False)]:
    for level in (1, 6, 9):
        total = wire(up, client_keeps, True, level) + wire(down, server_keeps, False, level)
        print(f"{name}, level {level}: {total:,} B")
