// Finding a person's documents: those this device has opened before (so the app starts
// offline), then, when online, those the server lists for them (`GET /api/documents`).
import type { DocumentId } from "@automerge/automerge-repo/slim";
import type { Ctx } from "./context";

/** Opens the device's known documents, then the server's of these `kinds` when online. */
export async function discover(ctx: Ctx, kinds: string[]): Promise<void> {
  for (const id of ctx.sync.knownIds()) await ctx.sync.open(id);
  ctx.refresh();
  if (!navigator.onLine) return;
  for (const kind of kinds) {
    try {
      const docs = await ctx.api.get<{ document_id: string }[]>(`/api/documents?kind=${kind}`);
      for (const d of docs) await ctx.sync.open(d.document_id as DocumentId);
    } catch {
      // offline or the server unreachable: the device's copies are what there is
    }
  }
  ctx.refresh();
}
