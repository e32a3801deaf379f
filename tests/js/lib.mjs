// Shared helpers for the Linli JS interop scripts (capture-fixtures.mjs, interop.mjs).
//
// Everything here drives the *stock* @automerge/automerge-repo client; the only
// addition is a thin subclass of the stock WebSocketClientAdapter that records
// what arrives on the wire so callers can tell "the server said doc-unavailable"
// apart from "the connection failed".

import { Repo, cbor } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

// The client adapter imports `isomorphic-ws`, which resolves to the `ws` package
// on Node, so no global WebSocket is needed on Node 20. Set it anyway when
// missing, in case another code path looks for it.
import WebSocket from "ws";
if (typeof globalThis.WebSocket === "undefined") globalThis.WebSocket = WebSocket;

/** A volunteer record as Linli's schema 1 defines it. */
export function volunteerDoc({ org = "c01/s01/m01", user = "vol-1", name = "张三" } = {}) {
  return { kind: "volunteer", schema: 1, org, user, name, skills: ["陪护"], entries: {} };
}

/** A service entry, stored under `entries[<id>]`. */
export function entry({ date = "2026-11-20", minutes = 90, activity = "探访独居老人" } = {}) {
  return { date, minutes, activity, category: "elderly", source: "self", status: "submitted" };
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Writes a log line to stderr (stdout is reserved for the final JSON result). */
export const log = (...args) => console.error("[js]", ...args);

/** Rejects with `Error("timed out after N ms waiting for <what>")` if `promise` is too slow. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `predicate` every `every` ms until it returns a truthy value, which is returned. */
export async function waitFor(predicate, ms, what, every = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

/**
 * The stock client adapter, plus a record of every frame received and of
 * connection trouble. The stock adapter silently swallows `error` frames and
 * throws from its socket error handler on anything but ECONNREFUSED; here both
 * are recorded instead so the caller can fail with a clear message.
 */
export class TappedClientAdapter extends WebSocketClientAdapter {
  received = []; // decoded frames, in order of arrival
  problems = []; // human-readable connection problems

  constructor(url, retryInterval) {
    super(url, retryInterval);
    // onClose/onError are instance fields of the parent, read when it connects.
    const onClose = this.onClose;
    this.onClose = () => {
      this.problems.push("websocket closed");
      onClose();
    };
    this.onError = event => {
      const code = event?.error?.code ?? "";
      this.problems.push(`websocket error ${code}: ${event?.error?.message ?? event?.message ?? event}`);
    };
  }

  receiveMessage(bytes) {
    try {
      const message = cbor.decode(new Uint8Array(bytes));
      this.received.push(message);
      if (message?.type === "error") {
        this.problems.push(`server sent error: ${message.message}`);
        this.emit("server-error", message);
      }
    } catch {
      this.problems.push("server sent a frame that is not CBOR");
    }
    super.receiveMessage(bytes);
  }

  /** True once the server sent `doc-unavailable` for `documentId`. */
  sawUnavailable(documentId) {
    return this.received.some(m => m.type === "doc-unavailable" && m.documentId === documentId);
  }
}

/**
 * Opens an in-memory Repo connected to `url` and waits until the server has
 * answered `join` with `peer`. Returns { repo, adapter, serverPeerId }.
 */
export async function connect(url, { timeoutMs = 20_000, peerId, isEphemeral = false } = {}) {
  const adapter = new TappedClientAdapter(url, 1000);
  const peer = new Promise((resolve, reject) => {
    adapter.once("peer-candidate", ({ peerId }) => resolve(peerId));
    adapter.once("server-error", m => reject(new Error(`server answered join with error: ${m.message}`)));
  });
  const repo = new Repo({ network: [adapter], peerId, isEphemeral });
  try {
    const serverPeerId = await withTimeout(peer, timeoutMs, `"peer" reply from ${url}`);
    return { repo, adapter, serverPeerId };
  } catch (e) {
    await close(repo);
    const extra = [...new Set(adapter.problems)].filter(p => !e.message.includes(p.replace(/^server sent error: /, "")));
    const detail = extra.length ? ` (${extra.join("; ")})` : "";
    throw new Error(e.message + detail);
  }
}

/** Disconnects a repo, ignoring errors (it holds no storage to flush). */
export async function close(repo) {
  try {
    await repo.shutdown();
  } catch {
    // best effort
  }
}

/** Plain-JSON copy of an Automerge document (drops Automerge proxies). */
export const toJSON = doc => JSON.parse(JSON.stringify(doc));

/** Deep equality of two documents as JSON; map key order does not matter. */
export const sameDoc = (a, b) => canonical(a) === canonical(b);

/** JSON text with map keys sorted, so equal documents give equal text. */
export function canonical(value) {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v,
  );
}
