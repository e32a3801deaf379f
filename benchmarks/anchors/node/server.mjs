// Bench-only anchor: the stock automerge-repo Repo behind the stock
// WebSocketServerAdapter on a `ws` WebSocketServer, persisting with the stock
// NodeFSStorageAdapter. Nothing Linli-specific: it is what Linli is measured
// against, so it stays minimal and stock.
//
//   node server.mjs --port PORT --data DIR [--host 127.0.0.1]
//   (or PORT / DATA_DIR / HOST in the environment)
//
// Accepts websocket connections on any path (ws://HOST:PORT/). Prints exactly
// one line `ready PORT` on stdout once listening (PORT 0 picks a free port and
// prints the real one); logs go to stderr. Stops on SIGINT/SIGTERM after
// flushing loaded documents to disk.

import { parseArgs } from "node:util";
import { mkdirSync } from "node:fs";
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";

const USAGE = "usage: node server.mjs --port PORT --data DIR [--host 127.0.0.1]";

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: "string", default: process.env.PORT },
      data: { type: "string", default: process.env.DATA_DIR },
      host: { type: "string", default: process.env.HOST ?? "127.0.0.1" },
    },
  }));
} catch (e) {
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
const port = Number(args.port);
if (args.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535 || !args.data) {
  console.error(USAGE);
  process.exit(2);
}
mkdirSync(args.data, { recursive: true });

const wss = new WebSocketServer({ host: args.host, port });
await new Promise((resolve, reject) => {
  wss.once("listening", resolve);
  wss.once("error", reject);
}).catch(e => {
  console.error(`[node-anchor] cannot listen on ${args.host}:${port}: ${e.message}`);
  process.exit(1);
});

const repo = new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(args.data),
  peerId: "node-anchor",
  // Never announce documents to peers; still sync every document a peer asks
  // for or sends.
  sharePolicy: async () => false,
});

const actualPort = wss.address().port;
console.error(`[node-anchor] listening on ws://${args.host}:${actualPort}/, data in ${args.data}`);
process.stdout.write(`ready ${actualPort}\n`);

async function stop() {
  console.error("[node-anchor] shutting down");
  for (const client of wss.clients) client.terminate();
  wss.close();
  // Repo.shutdown() in 2.5.x throws when a handle is not ready (e.g. one a
  // peer asked for that nobody has), so flush the ready ones explicitly.
  const ready = Object.values(repo.handles).filter(h => h.isReady());
  await repo.flush(ready.map(h => h.documentId));
  process.exit(0);
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
