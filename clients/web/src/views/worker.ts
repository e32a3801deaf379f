// The grid worker's screens: today's visits, the households due for a visit, requests
// assigned to the worker, the grid's households; registering a household; one household
// with its members, tags, visits and requests. Everything here works offline.
import { html } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { discover } from "../discover";
import { plain, str } from "../sync";
import { formValues, type Ctx } from "../context";
import { t } from "../i18n";
import { newHousehold, type Community, type Household, type ServiceRequest } from "../records";
import { memberFields, memberFrom } from "./worker_members";
import { householdIndex, householdList } from "./worker_list";
import { householdDetail } from "./worker_household";
import { dueForVisit, todaysVisits } from "./worker_home";
import { assignedToMe } from "./assigned";
import { nav } from "./worker_nav";

let discovery: Promise<void> | null = null;

/** Looks for new documents on the server again (after reconnecting). */
export function rediscoverWorker(): void {
  discovery = null;
}

/** The documents of one kind on the device, read without copying them (a grid holds up to
 * 2,000 households; this runs on every render). */
function ready<T>(ctx: Ctx, kind: string): DocHandle<T>[] {
  return ctx.sync
    .open_handles<T>()
    .filter(h => h.isReady() && str((ctx.sync.docOf(h) as { kind?: unknown } | undefined)?.kind) === kind);
}

/** The grid a new household belongs to: the worker's own grid. */
function grid(ctx: Ctx): string {
  return ctx.session.org;
}

function registerForm(ctx: Ctx) {
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    if (!v.address || !v.name) return;
    const handle = ctx.sync.create(newHousehold(grid(ctx), v.address, memberFrom(v)));
    nav.registering = false;
    nav.selected = handle.documentId;
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  return html`<form class="card form" data-testid="register-household" @submit=${submit}>
    <h2>${t("register_household")}</h2>
    <label>${t("address")}<input name="address" required maxlength="200" /></label>
    <label>${t("head_name")}<input name="name" required maxlength="50" /></label>
    ${memberFields(false)}
    <div class="row"><button class="primary" type="submit">${t("save")}</button>
    <button type="button" @click=${() => { nav.registering = false; ctx.refresh(); }}>${t("cancel")}</button></div>
  </form>`;
}

/** The follow-up rules of the worker's community (its record, which workers read), or none. */
function communityRules(ctx: Ctx): Record<string, number> {
  const mine = ready<Community>(ctx, "community")
    .map(h => plain(h.doc()))
    .filter(c => grid(ctx).startsWith(`${c.org}/`))
    .sort((a, b) => b.org.length - a.org.length)[0];
  return mine?.follow_up_rules ?? {};
}

export function workerView(ctx: Ctx) {
  discovery ??= discover(ctx, ["household", "request", "community"]);
  const households = ready<Household>(ctx, "household").filter(h => !str(ctx.sync.docOf(h).merged_into));
  const requests = ready<ServiceRequest>(ctx, "request");
  const rules = communityRules(ctx);
  if (nav.selected) {
    const handle = households.find(h => h.documentId === nav.selected);
    if (handle) return householdDetail(ctx, handle, requests, rules);
    nav.selected = null;
  }
  if (nav.registering) return registerForm(ctx);
  const index = householdIndex(ctx, households, rules);
  return html`${todaysVisits(ctx, index)}${dueForVisit(ctx, index)}${assignedToMe(ctx, requests)}${householdList(ctx, households, rules)}`;
}
