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
export async function initAutomerge(): Promise<void> {
  await initializeWasm(wasmUrl);
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
  private prefix: string;

  constructor(user: string, token: string) {
    this.prefix = `linli.${user}.`;
    this.serverStorage = (localStorage.getItem(this.prefix + "server") as StorageId) || null;
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

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private track<T>(handle: DocHandle<T>): DocHandle<T> {
    if (this.handles.has(handle.documentId)) return handle;
    this.handles.set(handle.documentId, handle as DocHandle<unknown>);
    this.remember(handle.documentId);
    handle.on("change", () => this.notify());
    handle.on("remote-heads", ({ storageId, heads }) => {
      if (storageId === this.serverStorage) this.serverHas(handle, heads);
    });
    // A document fetched from the server may have heard its heads before we listened.
    const known = this.serverStorage ? handle.getSyncInfo(this.serverStorage) : undefined;
    if (known) this.serverHas(handle, known.lastHeads);
    return handle;
  }

  /** Records the heads the server has acknowledged (it advertises only durable heads). */
  private serverHas(handle: DocHandle<unknown>, heads: UrlHeads): void {
    localStorage.setItem(this.prefix + "heads." + handle.documentId, JSON.stringify(decodeHeads(heads)));
    if (this.pendingIn(handle) === 0) localStorage.setItem(this.prefix + "last-sync", String(Date.now()));
    this.notify();
  }

  private remember(id: DocumentId): void {
    const known = this.knownIds();
    if (!known.includes(id)) {
      known.push(id);
      localStorage.setItem(this.prefix + "docs", JSON.stringify(known));
    }
  }

  /** Every document this device has opened (kept across reloads, for offline start). */
  knownIds(): DocumentId[] {
    try {
      return JSON.parse(localStorage.getItem(this.prefix + "docs") ?? "[]") as DocumentId[];
    } catch {
      return [];
    }
  }

  /** Creates a document; it reaches the server at the next sync. */
  create<T>(initial: T): DocHandle<T> {
    const handle = this.track(this.repo.create<T>(initial));
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

  private pendingIn(handle: DocHandle<unknown>): number {
    if (!handle.isReady()) return 0;
    const doc = handle.doc() as A.Doc<unknown>;
    let heads: A.Heads = [];
    try {
      heads = JSON.parse(localStorage.getItem(this.prefix + "heads." + handle.documentId) ?? "[]");
    } catch {
      heads = [];
    }
    const missing = new Set(A.getMissingDeps(doc, heads));
    const known = heads.filter(h => !missing.has(h));
    return A.getChangesMetaSince(doc, known).length;
  }

  /** Online state, changes not yet acknowledged by the server, the last full sync. */
  status(): SyncStatus {
    let pending = 0;
    for (const handle of this.handles.values()) pending += this.pendingIn(handle);
    const last = localStorage.getItem(this.prefix + "last-sync");
    return { connected: this.connected, pending, lastSync: last ? Number(last) : null };
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
