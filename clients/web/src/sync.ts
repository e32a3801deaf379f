// The device's copy of its documents: automerge-repo with IndexedDB storage and the
// websocket adapter against the server's `/sync`. Tracks what the people using the app
// must always see: online or not, how many local changes the server has not yet
// acknowledged, and when the last sync succeeded.
import {
  Automerge as A,
  Repo,
  decodeHeads,
  initializeWasm,
  type DocHandle,
  type DocumentId,
  type StorageId,
  type PeerId,
  type UrlHeads,
} from "@automerge/automerge-repo/slim";
import wasmUrl from "@automerge/automerge/automerge.wasm?url";
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

export type { DocumentId };

/** Loads automerge's WebAssembly (a file of the app, precached by the service worker). */
export async function initAutomerge(prefetched?: Promise<Uint8Array>): Promise<void> {
  const bytes = await prefetched?.catch(() => undefined);
  await initializeWasm(bytes ?? wasmUrl);
}

function socketUrl(token: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/sync?token=${encodeURIComponent(token)}`;
}

/** The state shown in the status bar. */
export interface SyncStatus {
  connected: boolean;
  pending: number;
  lastSync: number | null;
}

export class Sync {
  readonly repo: Repo;
  private adapter: WebSocketClientAdapter;
  private handles = new Map<DocumentId, DocHandle<unknown>>();
  private serverStorage: StorageId | null;
  private connected = false;
  private wantOnline = true;
  private listeners = new Set<() => void>();
  /** Called each time a connection to the server opens. */
  private connectedListeners = new Set<() => void>();
  private prefix: string;
  /** The ids of `knownIds`, in memory; written to localStorage once per task. */
  private known: DocumentId[];
  private knownSet: Set<DocumentId>;
  private knownDirty = false;
  /** The heads the server acknowledged, per document (mirrored in localStorage). */
  private acked = new Map<DocumentId, A.Heads>();
  /** Local changes the server has not acknowledged, per document, and their sum: kept up to
   * date on each document's events, so `status()` reads a number instead of scanning. */
  private pendingBy = new Map<DocumentId, number>();
  private pendingTotal = 0;
  private lastSync: number | null;
  /** Each open document's current version, kept from its events: reading it is a map
   * lookup, where `handle.doc()` asks the handle's state machine every time. */
  private current = new Map<DocumentId, unknown>();
  /** Counts every document opened or changed: the same count means the same documents. */
  private changes = 0;

  constructor(user: string, token: string) {
    this.prefix = `linli.${user}.`;
    this.serverStorage = (localStorage.getItem(this.prefix + "server") as StorageId) || null;
    this.known = this.readKnown();
    this.knownSet = new Set(this.known);
    const last = localStorage.getItem(this.prefix + "last-sync");
    this.lastSync = last ? Number(last) : null;
    // A write still queued when the page goes away is written now.
    addEventListener("pagehide", () => this.flushKnown());
    this.adapter = new WebSocketClientAdapter(socketUrl(token), 2000);
    this.repo = new Repo({
      storage: new IndexedDBStorageAdapter(`linli-${user}`),
      network: [this.adapter],
    });
    this.repo.networkSubsystem.on("peer", ({ peerId, peerMetadata }) => {
      this.connected = true;
      if (peerMetadata?.storageId) {
        this.serverStorage = peerMetadata.storageId;
        localStorage.setItem(this.prefix + "server", peerMetadata.storageId);
      }
      void peerId;
      this.notify();
      for (const listener of this.connectedListeners) listener();
    });
    this.repo.networkSubsystem.on("peer-disconnected", () => {
      this.connected = false;
      this.notify();
    });
  }

  /** Uses a renewed access token from the next connection on. */
  setToken(token: string): void {
    // The adapter reads `url` at every (re)connection; its type marks it read-only.
    (this.adapter as unknown as { url: string }).url = socketUrl(token);
  }

  /** Drops the connection (the device went offline). */
  goOffline(): void {
    this.wantOnline = false;
    try {
      this.adapter.disconnect();
    } catch {
      // not connected: nothing to close
    }
    this.connected = false;
    this.notify();
  }

  /** Connects again (the device is back online). */
  async goOnline(): Promise<void> {
    if (this.wantOnline) return;
    this.wantOnline = true;
    // The adapter may have reconnected by itself (it retries on a timer).
    if (this.adapter.socket?.readyState === WebSocket.OPEN) return;
    const storageId = await this.repo.storageId();
    this.adapter.connect(this.repo.peerId as PeerId, { storageId, isEphemeral: false });
  }

  /** Calls `listener` whenever a document or the connection changes. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` each time a connection to the server opens (after a reconnection too:
   * the server ends a person's connections when an administrator changes them). */
  onConnected(listener: () => void): void {
    this.connectedListeners.add(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private track<T>(handle: DocHandle<T>): DocHandle<T> {
    if (this.handles.has(handle.documentId)) return handle;
    this.handles.set(handle.documentId, handle as DocHandle<unknown>);
    this.remember(handle.documentId);
    const h = handle as DocHandle<unknown>;
    if (handle.isReady()) this.current.set(handle.documentId, handle.doc());
    this.changes += 1;
    // Every new version (local, from the server, or loaded), with or without visible patches.
    handle.on("heads-changed", ({ doc }) => {
      this.current.set(handle.documentId, doc);
      this.changes += 1;
      this.countPending(h);
      this.notify();
    });
    handle.on("remote-heads", ({ storageId, heads }) => {
      if (storageId === this.serverStorage) this.serverHas(h, heads);
    });
    // A document fetched from the server may have heard its heads before we listened.
    const known = this.serverStorage ? handle.getSyncInfo(this.serverStorage) : undefined;
    if (known) this.serverHas(h, known.lastHeads);
    else this.countPending(h);
    return handle;
  }

  /** Records the heads the server has acknowledged (it advertises only durable heads). */
  private serverHas(handle: DocHandle<unknown>, heads: UrlHeads): void {
    const decoded = decodeHeads(heads);
    this.acked.set(handle.documentId, decoded);
    localStorage.setItem(this.prefix + "heads." + handle.documentId, JSON.stringify(decoded));
    if (this.countPending(handle) === 0) {
      this.lastSync = Date.now();
      localStorage.setItem(this.prefix + "last-sync", String(this.lastSync));
    }
    this.notify();
  }

  private remember(id: DocumentId): void {
    if (this.knownSet.has(id)) return;
    this.knownSet.add(id);
    this.known.push(id);
    // Opening 2,000 documents must not write the whole list 2,000 times: once per task.
    if (!this.knownDirty) {
      this.knownDirty = true;
      setTimeout(() => this.flushKnown(), 0);
    }
  }

  private flushKnown(): void {
    if (!this.knownDirty) return;
    this.knownDirty = false;
    localStorage.setItem(this.prefix + "docs", JSON.stringify(this.known));
  }

  private readKnown(): DocumentId[] {
    try {
      const ids = JSON.parse(localStorage.getItem(this.prefix + "docs") ?? "[]") as DocumentId[];
      return Array.isArray(ids) ? ids : [];
    } catch {
      return [];
    }
  }

  /** Every document this device has opened (kept across reloads, for offline start). */
  knownIds(): DocumentId[] {
    return [...this.known];
  }

  /** Creates a document; it reaches the server at the next sync. */
  create<T>(initial: T): DocHandle<T> {
    const handle = this.track(this.repo.create<T>(initial));
    // Written at once: a document made offline must be found again after a reload.
    this.flushKnown();
    this.notify();
    return handle;
  }

  /** Opens a document from this device or, when online, from the server. */
  async open<T>(id: DocumentId): Promise<DocHandle<T> | null> {
    const known = this.handles.get(id);
    if (known) return known as DocHandle<T>;
    try {
      const handle = await this.repo.find<T>(id);
      return this.track(handle);
    } catch {
      return null;
    }
  }

  /** The documents open on this device. */
  open_handles<T>(): DocHandle<T>[] {
    return [...this.handles.values()] as DocHandle<T>[];
  }

  /** The document's current version, as `handle.doc()` returns it, without asking the
   * handle (cheap enough to call for 2,000 documents on every render). */
  docOf<T>(handle: DocHandle<T>): T {
    const doc = this.current.get(handle.documentId);
    return doc === undefined ? handle.doc() : (doc as T);
  }

  /** Grows whenever a document is opened or changes: screens that derive something from
   * every document redo it only when this moved. */
  version(): number {
    return this.changes;
  }

  /** The heads the server acknowledged for `id` (read from localStorage once). */
  private ackedHeads(id: DocumentId): A.Heads {
    let heads = this.acked.get(id);
    if (heads) return heads;
    try {
      heads = JSON.parse(localStorage.getItem(this.prefix + "heads." + id) ?? "[]") as A.Heads;
    } catch {
      heads = [];
    }
    this.acked.set(id, heads);
    return heads;
  }

  private pendingIn(handle: DocHandle<unknown>): number {
    if (!handle.isReady()) return 0;
    const doc = handle.doc() as A.Doc<unknown>;
    const heads = this.ackedHeads(handle.documentId);
    const missing = new Set(A.getMissingDeps(doc, heads));
    const known = heads.filter(h => !missing.has(h));
    return A.getChangesMetaSince(doc, known).length;
  }

  /** Counts the document's unacknowledged changes again and updates the total. */
  private countPending(handle: DocHandle<unknown>): number {
    const n = this.pendingIn(handle);
    this.pendingTotal += n - (this.pendingBy.get(handle.documentId) ?? 0);
    this.pendingBy.set(handle.documentId, n);
    return n;
  }

  /** Whether the server ever acknowledged a version of `id` (else it was made here and has
   * not reached the server yet). */
  serverHad(id: DocumentId): boolean {
    return this.ackedHeads(id).length > 0;
  }

  /** The document's changes the server has not acknowledged, as automerge's bytes. */
  unsyncedChanges(id: DocumentId): Uint8Array[] {
    const handle = this.handles.get(id);
    if (!handle?.isReady()) return [];
    const doc = handle.doc() as A.Doc<unknown>;
    const heads = this.ackedHeads(id);
    const missing = new Set(A.getMissingDeps(doc, heads));
    return A.getChangesSince(doc, heads.filter(h => !missing.has(h)));
  }

  /** Removes a document from this device: its handle, storage and every record of it. */
  async forget(id: DocumentId): Promise<void> {
    const handle = this.handles.get(id);
    this.handles.delete(id);
    this.current.delete(id);
    this.acked.delete(id);
    localStorage.removeItem(this.prefix + "heads." + id);
    this.pendingTotal -= this.pendingBy.get(id) ?? 0;
    this.pendingBy.delete(id);
    if (this.knownSet.delete(id)) {
      this.known = this.known.filter(k => k !== id);
      this.knownDirty = true;
      this.flushKnown();
    }
    if (handle) this.repo.delete(id);
    this.changes += 1;
    this.notify();
  }

  /** Online state, changes not yet acknowledged by the server, the last full sync. */
  status(): SyncStatus {
    return { connected: this.connected, pending: this.pendingTotal, lastSync: this.lastSync };
  }
}

const plainCache = new WeakMap<object, unknown>();

function toPlain(value: unknown): unknown {
  if (A.isImmutableString(value)) return value.toString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Uint8Array || value instanceof Date) return value;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

/** A field read from a live document as a JavaScript string: a scalar string written by the
 * server or the Rust client (`ImmutableString`) compares unequal to a JS string until
 * converted; absent is "". */
export function str(value: unknown): string {
  return value === undefined || value === null ? "" : typeof value === "string" ? value : String(value);
}

/**
 * A document as plain data for the screens to read: strings written by the server or the
 * Rust client arrive as automerge scalar strings (`ImmutableString`), which compare unequal
 * to JavaScript strings. Cached per document version.
 */
export function plain<T>(doc: T): T {
  if (!doc || typeof doc !== "object") return doc;
  const hit = plainCache.get(doc as object);
  if (hit) return hit as T;
  const out = toPlain(doc) as T;
  plainCache.set(doc as object, out);
  return out;
}
