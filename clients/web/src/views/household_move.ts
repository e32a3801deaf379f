// Moving a household to another grid of the supervisor's unit (a family moved, issue #19):
// the grid, a reason and the day the family moved (indicators count the household in the new
// grid from that day), sent as the supervisor's change; the server's refusal is said next to
// the form, the list is loaded again after a move.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import type { Ctx } from "../context";
import { orgLabel, unitsUnder } from "../directory";
import { setFormError } from "../form_errors";
import { t, type Key } from "../i18n";
import { today } from "../records";
import { colon, fill } from "./people/shared";
import { keepRefusal, refusalView } from "./refusal";

/** The grid depth: county / street / community / grid. */
const GRID_DEPTH = 4;

/** The server's refusals of a move (said in English), in words of their own. */
const KNOWN: [RegExp, Key][] = [
  [/^say why the household moves/, "move_reason_needed"],
  [/is closed/, "move_grid_closed"],
  [/ already$/, "move_same_grid"],
  [/^a household moves to a unit like|^to_org:/, "move_not_grid"],
  [/is after today/, "move_on_future"],
  [/before the household's last move/, "move_on_before_last"],
  [/^on: .* is not a date/, "move_on_bad"],
];

export const moving = {
  /** The household whose move form is open. */
  open: "",
  /** Each household's chosen grid and reason, kept while its form is open. */
  to: new Map<string, string>(),
  reason: new Map<string, string>(),
  /** The day the family moved, when not today. */
  on: new Map<string, string>(),
  /** The household being moved (its button is disabled meanwhile). */
  working: "",
  /** The last household moved, and where. */
  done: null as { id: string; to: string } | null,
};

const formOf = (id: string) => `move:${id}`;

/** The grids a household of grid `from` may move to: those of the caller's unit but its own. */
function gridsFor(ctx: Ctx, from: string) {
  return unitsUnder(ctx.session.org).filter(u => u.path.split("/").length === GRID_DEPTH && u.path !== from);
}

/** Only supervisors move households (the server refuses anyone else). */
export const mayMove = (ctx: Ctx) => ctx.session.role === "supervisor";

/** The row's button that opens (or closes) its move form. */
export function moveButton(ctx: Ctx, id: string) {
  const toggle = () => {
    moving.open = moving.open === id ? "" : id;
    setFormError(formOf(id), null);
    ctx.refresh();
  };
  return html`<button data-testid="move-household" aria-expanded=${String(moving.open === id)} @click=${toggle}>${t("move_household")}</button>`;
}

/** The move form of household `r` when open, and what the last move of it did. */
export function moveForm(ctx: Ctx, r: { document_id: string; org: string; address: string }, reload: () => Promise<void>) {
  const id = r.document_id;
  const form = formOf(id);
  const done = moving.done?.id === id
    ? html`<p class="msg ok" role="status" data-testid="move-done">${fill(t("move_done"), { grid: orgLabel(moving.done.to, ctx.session.org) })}</p>`
    : nothing;
  if (moving.open !== id) return done;
  const grids = gridsFor(ctx, r.org);
  const to = moving.to.get(id) ?? "";
  const day = today();
  const on = moving.on.get(id) ?? day;
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!to) {
      setFormError(form, "move_pick_grid");
      ctx.refresh();
      return;
    }
    setFormError(form, null);
    moving.working = id;
    ctx.refresh();
    try {
      const on = moving.on.get(id) ?? today();
      await ctx.api.post("/api/households/move", { document_id: id, to_org: to, reason: moving.reason.get(id) ?? "", on });
      moving.open = "";
      moving.to.delete(id);
      moving.reason.delete(id);
      moving.on.delete(id);
      moving.done = { id, to };
    } catch (error) {
      keepRefusal(form, error, { known: KNOWN, notFound: "move_not_found" });
    } finally {
      moving.working = "";
    }
    if (moving.done?.id === id) await reload();
    ctx.refresh();
  };
  return html`<form class="form move" data-testid="move-form" aria-label=${`${t("move_household")}${colon()}${r.address}`} novalidate @submit=${submit}>
    <label>${t("move_to_grid")}<select data-testid="move-to" @change=${(e: Event) => { moving.to.set(id, (e.target as HTMLSelectElement).value); ctx.refresh(); }}>
      <option value="" ?selected=${!to}>${t("please_pick")}</option>
      ${grids.map(g => html`<option value=${g.path} ?selected=${to === g.path}>${orgLabel(g.path, ctx.session.org)}</option>`)}
    </select></label>
    ${grids.length ? nothing : html`<p class="small" data-testid="move-no-grids">${t("move_no_grids")}</p>`}
    <label>${t("move_reason")}<input data-testid="move-reason" maxlength="500" autocomplete="off"
      .value=${live(moving.reason.get(id) ?? "")} @input=${(e: Event) => moving.reason.set(id, (e.target as HTMLInputElement).value)} /></label>
    <label>${t("move_on")}<input type="date" data-testid="move-on" max=${day} aria-describedby=${`move-on-help:${id}`}
      .value=${live(on)} @change=${(e: Event) => moving.on.set(id, (e.target as HTMLInputElement).value)} /></label>
    <p class="small" id=${`move-on-help:${id}`}>${t("move_on_help")}</p>
    <div class="row">
      <button type="submit" class="primary" data-testid="move-confirm" ?disabled=${moving.working === id}>${t("move_confirm")}</button>
      <button type="button" data-testid="move-cancel" @click=${() => { moving.open = ""; setFormError(form, null); ctx.refresh(); }}>${t("cancel")}</button>
    </div>
    ${refusalView(form, "move")}
  </form>`;
}
