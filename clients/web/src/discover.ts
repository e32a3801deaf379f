// Finding a person's documents: those this device has opened before (so the app starts
// offline), then, when online, those the server lists for them (`GET /api/documents`).
// Documents open a few at a time, not one after the other: a grid of 2,000 households
// loads from IndexedDB (or the server) in seconds, and the screen fills as they come.
import type { DocumentId } from "@automerge/automerge-repo/slim";
import type { Ctx } from "./context";

/** Documents being opened at once (IndexedDB reads and server requests in flight). */
const CONCURRENCY = 16;
/** Rows per page of `GET /api/documents` (the server's maximum is 5000). */
const PAGE = 1000;
/** Re-renders while documents arrive, at most this often (ms). */
const REFRESH_EVERY = 300;

/** Opens `ids`, at most {@link CONCURRENCY} at a time, re-rendering now and then. */
async function openAll(ctx: Ctx, ids: DocumentId[]): Promise<void> {
  let next = 0;
  let shown = performance.now();
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      await ctx.sync.open(id);
      const now = performance.now();
      if (now - shown > REFRESH_EVERY) {
        shown = now;
        ctx.refresh();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
}

/** The ids of every document of `kind` the server lists for this person, page by page. */
async function listed(ctx: Ctx, kind: string): Promise<DocumentId[]> {
  const ids: DocumentId[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.api.get<{ document_id: string }[]>(`/api/documents?kind=${kind}&limit=${PAGE}&offset=${offset}`);
    for (const d of page) ids.push(d.document_id as DocumentId);
    if (page.length < PAGE) return ids;
  }
}

/** Opens the device's known documents, then the server's of these `kinds` when online. */
export async function discover(ctx: Ctx, kinds: string[]): Promise<void> {
  await openAll(ctx, ctx.sync.knownIds());
  ctx.refresh();
  if (!navigator.onLine) return;
  for (const kind of kinds) {
    try {
      // Those already open come back at once; those the device could not open are asked again.
      await openAll(ctx, await listed(ctx, kind));
    } catch {
      // offline or the server unreachable: the device's copies are what there is
    }
    ctx.refresh();
  }
}
