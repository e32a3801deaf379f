// Following the person's scope (issue #19): an administrator may move a grid worker to
// another grid, or change someone's role. Each time the app connects it asks who the person
// is now (`GET /api/me`). When that changed, the session keeps the new scope and the device
// lets go of the documents the server no longer lists for them: changes made here that the
// server never acknowledged are first handed to its quarantine (`POST /api/quarantine`),
// where a supervisor delivers them, so nothing done on the phone is lost. The person is told.
import type { DocumentId } from "@automerge/automerge-repo/slim";
import type { Ctx } from "./context";
import { saveSession, type Role } from "./auth";
import { code, t } from "./i18n";
import { orgLabel } from "./directory";

interface Me { user: string; role: Role; org: string }

/** Rows per page of `GET /api/documents` (the server's maximum is 5000). */
const PAGE = 1000;

let running = false;

/** Every document id the server lists for the person now. */
async function listedIds(ctx: Ctx): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.api.get<{ document_id: string }[]>(`/api/documents?limit=${PAGE}&offset=${offset}`);
    for (const d of page) ids.add(d.document_id);
    if (page.length < PAGE) return ids;
  }
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Hands the document's unsynced changes to the server; true when there were none or the
 * server kept them. */
async function handOver(ctx: Ctx, id: DocumentId): Promise<boolean> {
  const changes = ctx.sync.unsyncedChanges(id);
  if (changes.length === 0) return true;
  try {
    await ctx.api.post("/api/quarantine", { document_id: id, changes: changes.map(base64) });
    return true;
  } catch {
    return false;
  }
}

/** Lets go of the documents the server does not list for the person any more (those it
 * never had, made here and not yet sent, stay); returns how many left the device. */
async function letGoOfUnshared(ctx: Ctx): Promise<number> {
  const listed = await listedIds(ctx);
  let removed = 0;
  for (const id of ctx.sync.knownIds()) {
    if (listed.has(id) || !ctx.sync.serverHad(id)) continue;
    if (!(await handOver(ctx, id))) continue;
    await ctx.sync.forget(id);
    removed += 1;
  }
  return removed;
}

/** Asks who the person is now and, when an administrator changed their role or unit,
 * follows it (see the top of this file). Runs once at a time; offline it does nothing. */
export async function followScope(ctx: Ctx): Promise<void> {
  if (running || !navigator.onLine) return;
  running = true;
  try {
    const me = await ctx.api.get<Me>("/api/me");
    if (me.role === ctx.session.role && me.org === ctx.session.org) return;
    const roleChanged = me.role !== ctx.session.role;
    ctx.session = saveSession({ ...ctx.session, role: me.role, org: me.org });
    const removed = await letGoOfUnshared(ctx);
    const where = `${code("role", me.role)} · ${orgLabel(me.org) || me.org}`;
    ctx.toast(`${t("scope_changed")} ${where}${removed ? ` · ${t("scope_removed")} ${removed}` : ""}`);
    // Another role is another app: start it afresh (what was done here is on the server).
    if (roleChanged) setTimeout(() => location.reload(), 4000);
    ctx.refresh();
  } catch {
    // offline, or the server unreachable: asked again at the next connection
  } finally {
    running = false;
  }
}
