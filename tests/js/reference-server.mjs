// Reference sync server: the stock automerge-repo Repo behind the stock
// WebSocketServerAdapter, persisting to disk with the stock Node filesystem
// storage adapter. It is what Linli's server is measured against (behaviour
// in the interop tests, speed in benchmarks), so it stays minimal and stock.
//
//   node reference-server.mjs --dir DATA_DIR [--port 0] [--host 127.0.0.1]
//
// Prints {"port": N} on stdout once listening; logs go to stderr.
// Accepts websocket connections on any path (clients use /sync).
// Stops cleanly on SIGINT/SIGTERM.

import { parseArgs } from "node:util";
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";

const { values: args } = parseArgs({
  options: {
    dir: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
});
if (!args.dir) {
  console.error("usage: node reference-server.mjs --dir DATA_DIR [--port 0] [--host 127.0.0.1]");
  process.exit(2);
}

const wss = new WebSocketServer({ host: args.host, port: Number(args.port) });
await new Promise((resolve, reject) => {
  wss.once("listening", resolve);
  wss.once("error", reject);
});

const repo = new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(args.dir),
  // A sync server only answers: it never announces documents to peers on its
  // own. It still syncs a document with every peer that asked for it.
  sharePolicy: async () => false,
});

console.log(JSON.stringify({ port: wss.address().port }));
console.error(`[reference-server] listening on ws://${args.host}:${wss.address().port}, data in ${args.dir}`);

async function stop() {
  console.error("[reference-server] shutting down");
  for (const client of wss.clients) client.terminate();
  wss.close();
  // Flush every loaded document to disk. (Repo.shutdown() in 2.5.x throws when
  // a handle is not ready, e.g. one a client asked for that nobody has, so the
  // ready ones are flushed explicitly instead.)
  const ready = Object.values(repo.handles).filter(h => h.isReady());
  await repo.flush(ready.map(h => h.documentId));
  process.exit(0);
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
