// Sends one websocket message of <MiB> mebibytes (a `sync` message carrying that much) over
// the `ws` package, the socket the stock Node client of automerge-repo uses, and prints what
// came back before the connection ended: {mib, code, seen: [message types and errors]}.
// Usage: node oversized.mjs <ws-url> <MiB>
import WebSocket from "ws";
import { encode, decode } from "cbor-x";

const [url, mib] = [process.argv[2], Number(process.argv[3])];
const ws = new WebSocket(url);
ws.binaryType = "arraybuffer";
const seen = [];
ws.on("open", () =>
  ws.send(encode({ type: "join", senderId: "oversized", peerMetadata: {}, supportedProtocolVersions: ["1"] })),
);
ws.on("message", (data) => {
  const message = decode(new Uint8Array(data));
  seen.push(message.message ? `${message.type}: ${message.message}` : message.type);
  if (message.type === "peer") {
    ws.send(
      encode({
        type: "sync",
        senderId: "oversized",
        targetId: message.senderId,
        documentId: "2VwXZQfUHDX5FBSqXJjLYCcSSUKZ",
        data: new Uint8Array(mib * 1024 * 1024).fill(0x42),
      }),
    );
  }
});
ws.on("error", (e) => seen.push(`socket error: ${e.message}`));
ws.on("close", (code) => {
  console.log(JSON.stringify({ mib, code, seen }));
  process.exit(0);
});
