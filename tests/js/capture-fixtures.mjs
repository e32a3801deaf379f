// Captures real automerge-repo wire frames as test fixtures for Linli.
//
//   node tests/js/capture-fixtures.mjs [--out DIR]
//
// Runs, all in this process and on 127.0.0.1:
//   reference server  stock Repo + stock WebSocketServerAdapter, no storage,
//                     sharePolicy false (it only answers)
//   recording proxy   forwards every websocket frame both ways between a client
//                     and the reference server and records the raw bytes
//   stock clients     A and B (in-memory Repos with the stock client adapter),
//                     plus one raw socket for the join-rejection case
// and writes each recorded frame to DIR/NNN-<from>-<type>.cbor with a
// manifest.json (DIR defaults to sync-core/tests/fixtures/js).

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { WebSocket, WebSocketServer } from "ws";
import { Repo, cbor, generateAutomergeUrl, parseAutomergeUrl } from "@automerge/automerge-repo";
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { close, connect, entry, log, toJSON, volunteerDoc, waitFor, withTimeout } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { out: { type: "string", default: resolve(here, "../../sync-core/tests/fixtures/js") } },
});
const TIMEOUT = 20_000;

/** Starts a ws server on a random loopback port; resolves once listening. */
async function listen(options = {}) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
  await new Promise((ok, fail) => wss.once("listening", ok).once("error", fail));
  return wss;
}

// --- reference server -------------------------------------------------------
const serverWss = await listen();
const server = new Repo({
  network: [new WebSocketServerAdapter(serverWss)],
  peerId: "reference-server",
  sharePolicy: async () => false,
});
const serverUrl = `ws://127.0.0.1:${serverWss.address().port}`;

// --- recording proxy --------------------------------------------------------
// The connection label is the request path: ws://proxy/A is client A.
const frames = []; // { conn, from: "client"|"server", bytes, step }
let step = "setup"; // scenario step, recorded with each frame
let lastFrameAt = Date.now();
const proxyWss = await listen();
const proxyUrl = `ws://127.0.0.1:${proxyWss.address().port}`;

proxyWss.on("connection", (client, request) => {
  const conn = request.url.replace(/^\//, "") || "?";
  const upstream = new WebSocket(serverUrl);
  const pending = []; // client frames that arrive before upstream is open
  const record = (from, data) => {
    frames.push({ conn, from, bytes: Buffer.from(data), step });
    lastFrameAt = Date.now();
  };
  client.on("message", (data, isBinary) => {
    record("client", data);
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
    else pending.push([data, isBinary]);
  });
  upstream.on("open", () => {
    for (const [data, isBinary] of pending) upstream.send(data, { binary: isBinary });
  });
  upstream.on("message", (data, isBinary) => {
    record("server", data);
    client.send(data, { binary: isBinary });
  });
  client.on("close", () => upstream.close());
  upstream.on("close", () => client.close());
});

/** Waits until no frame has crossed the proxy for 300 ms (a sync round is over). */
const quiet = () => waitFor(() => Date.now() - lastFrameAt > 300, TIMEOUT, "the wire to go quiet");

/** Waits until the reference server holds `handle`'s document at the same heads. */
const serverHas = handle =>
  waitFor(() => {
    const mirror = server.handles[handle.documentId];
    return mirror?.isReady() && JSON.stringify(mirror.heads()) === JSON.stringify(handle.heads());
  }, TIMEOUT, "the reference server to hold the document");

// --- scenario ---------------------------------------------------------------
step = "A joins";
const a = await connect(`${proxyUrl}/A`, { peerId: "client-a", timeoutMs: TIMEOUT });
await quiet();

step = "A creates a volunteer document";
const handleA = a.repo.create(volunteerDoc());
await serverHas(handleA);
await quiet();
log("created", handleA.url);

step = "A adds an entry";
handleA.change(d => {
  d.entries["entry-20261120-1"] = entry();
});
await serverHas(handleA);
await quiet();

step = "B joins";
const b = await connect(`${proxyUrl}/B`, { peerId: "client-b", timeoutMs: TIMEOUT });
await quiet();

step = "B finds an unknown document";
const unknownUrl = generateAutomergeUrl();
const unknown = await withTimeout(
  b.repo.find(unknownUrl).then(() => "found", e => e.message),
  TIMEOUT,
  "find of an unknown document",
);
if (!/unavailable/.test(unknown)) throw new Error(`expected unavailable, got: ${unknown}`);
await quiet();

step = "B finds A's document";
const handleB = await withTimeout(b.repo.find(handleA.url), TIMEOUT, "B to find A's document");
await waitFor(() => JSON.stringify(handleB.doc()) === JSON.stringify(handleA.doc()), TIMEOUT, "B to catch up");
await quiet();

step = "A broadcasts an ephemeral message";
const gotEphemeral = new Promise(ok => handleB.once("ephemeral-message", ({ message }) => ok(message)));
handleA.broadcast({ cursor: 3 });
log("B received ephemeral", await withTimeout(gotEphemeral, TIMEOUT, "B to receive the ephemeral message"));
await quiet();

step = "a raw client joins with an unsupported protocol version";
const raw = new WebSocket(`${proxyUrl}/raw`);
await new Promise((ok, fail) => raw.once("open", ok).once("error", fail));
const rejected = new Promise(ok => raw.once("message", data => ok(cbor.decode(new Uint8Array(data)))));
raw.send(cbor.encode({ type: "join", senderId: "client-raw", peerMetadata: {}, supportedProtocolVersions: ["99"] }));
log("raw client got", await withTimeout(rejected, TIMEOUT, "the error reply"));
await quiet();
raw.close();

await close(a.repo);
await close(b.repo);

// --- write fixtures ---------------------------------------------------------
mkdirSync(args.out, { recursive: true });
for (const f of readdirSync(args.out)) {
  if (f.endsWith(".cbor") || f === "manifest.json") rmSync(join(args.out, f));
}

const manifest = frames.map((frame, i) => {
  const message = cbor.decode(frame.bytes);
  const file = `${String(i + 1).padStart(3, "0")}-${frame.from}-${message.type}.cbor`;
  writeFileSync(join(args.out, file), frame.bytes);
  const item = { file, from: frame.from, type: message.type, connection: frame.conn, step: frame.step };
  if (message.documentId) item.documentId = message.documentId;
  item.bytes = frame.bytes.length;
  return item;
});
const documents = {
  volunteer: parseAutomergeUrl(handleA.url).documentId,
  unknown: parseAutomergeUrl(unknownUrl).documentId,
};
writeFileSync(
  join(args.out, "manifest.json"),
  JSON.stringify({ generator: "tests/js/capture-fixtures.mjs", documents, finalDoc: toJSON(handleA.doc()), frames: manifest }, null, 2) + "\n",
);
log(`wrote ${manifest.length} frames to ${args.out}`);

for (const c of proxyWss.clients) c.terminate();
proxyWss.close();
await server.shutdown();
serverWss.close();
process.exit(0);
