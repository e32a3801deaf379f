// A household's tags on the grid worker's phone: one tap sets or clears a tag, and the change
// is kept with its day (`tag_changes`, appended); 零就业家庭 is shown, derived from the
// members' employment, and cannot be tapped.
import { html } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import type { Ctx } from "../context";
import { code, t } from "../i18n";
import { newId, today, type Household } from "../records";
import { HOUSEHOLD_TAGS, ZERO_EMPLOYMENT, zeroEmploymentOn } from "../tags";

/** Sets or clears `tag` from `on`, and records the change. */
export function setTag(handle: DocHandle<Household>, tag: string, set: boolean, on: string, by: string): void {
  handle.change(x => {
    x.tags ??= {};
    x.tags[tag] = set;
    x.tag_changes ??= {};
    x.tag_changes[newId()] = { tag, on, set, by };
  });
}

/** The day the next taps on one household take effect, as the worker picked it (kept across
 * re-renders; another household starts from today again). */
const picked = { doc: "", day: "" };

export function tagPanel(ctx: Ctx, handle: DocHandle<Household>, d: Household) {
  const on = (picked.doc === handle.documentId && picked.day) || today();
  const tap = (tag: string) => {
    setTag(handle, tag, !d.tags?.[tag], on, ctx.session.user);
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  const history = Object.values(d.tag_changes ?? {}).sort((a, b) => b.on.localeCompare(a.on));
  const zero = zeroEmploymentOn(d, today());
  return html`<section class="card" data-testid="tags">
    <h3>${t("tags")}</h3>
    <div class="chips">
      ${HOUSEHOLD_TAGS.map(
        tag => html`<button type="button" class="chip ${d.tags?.[tag] ? "on" : ""}" data-testid="tag" data-tag=${tag}
          aria-pressed=${d.tags?.[tag] ? "true" : "false"} @click=${() => tap(tag)}>${code("tag", tag)}</button>`,
      )}
      <span class="chip derived ${zero ? "on" : ""}" data-testid="tag-derived" data-tag=${ZERO_EMPLOYMENT} data-on=${zero ? "true" : "false"}
        title=${t("derived")}>${code("tag", ZERO_EMPLOYMENT)} · ${t("derived")}</span>
    </div>
    <label class="inline">${t("tag_on")}<input type="date" data-testid="tag-on" .value=${on} max=${today()}
      @change=${(e: Event) => { Object.assign(picked, { doc: handle.documentId, day: (e.target as HTMLInputElement).value }); ctx.refresh(); }} /></label>
    ${history.length
      ? html`<details><summary>${t("tag_history")} (${history.length})</summary><ul class="list small">${history.map(
          c => html`<li data-testid="tag-change">${c.on} · ${code("tag", c.tag)} ${c.set ? t("tag_set") : t("tag_cleared")} <small>${c.by}</small></li>`,
        )}</ul></details>`
      : ""}
  </section>`;
}
