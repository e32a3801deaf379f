// The units (administrators): searched, added, renamed, closed and reopened.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { repeat } from "lit-html/directives/repeat.js";
import { formValues, when, type Ctx } from "../../context";
import { orgLabel } from "../../directory";
import { setFormError } from "../../form_errors";
import { t, type Key } from "../../i18n";
import { act, ask, confirmBox, fill, MAX_DEPTH, messages, openUnits, state, type UnitRow } from "./shared";

export function unitsSection(ctx: Ctx, reload: () => Promise<void>) {
  const root = ctx.session.org;
  const rootDepth = root.split("/").length;
  const needle = state.unitQuery.trim().toLowerCase();
  const units = state.units.filter(u => !needle || u.name.toLowerCase().includes(needle));
  const patch = (u: UnitRow, body: Record<string, unknown>, ok: Key) =>
    act(ctx, `unit:${u.path}`, () => ctx.api.patch("/api/orgs", { path: u.path, ...body }), reload, ok);
  const rename = async (e: SubmitEvent, u: UnitRow) => {
    e.preventDefault();
    const name = formValues(e.target as HTMLFormElement).name ?? "";
    if (!name) {
      setFormError(`unit:${u.path}`, "unit_name_required");
      ctx.refresh();
      return;
    }
    if (await patch(u, { name }, "unit_renamed")) state.renaming = "";
    ctx.refresh();
  };
  const item = (u: UnitRow) => {
    const depth = u.path.split("/").length - rootDepth;
    const closed = u.closed_at !== null;
    const confirmId = `close:${u.path}`;
    return html`<li data-testid="unit" data-path=${u.path} data-closed=${String(closed)} class=${`depth-${Math.min(depth, 3)}`}>
      <div class="row spread">
        <span><b data-testid="unit-name">${u.name}</b>
          ${closed ? html`<span class="badge has_issues" data-testid="unit-closed">${t("unit_closed")}</span>` : nothing}
          <span class="small">${t("unit_code")} ${u.path.split("/").at(-1)}${depth > 0 ? html` · ${orgLabel(u.path.split("/").slice(0, -1).join("/"), root) || orgLabel(root)}` : nothing}</span>
          ${closed ? html`<span class="small"> · ${t("unit_closed_on")} ${when(u.closed_at)}</span>` : nothing}</span>
        <span class="row">
          <button data-testid="unit-rename" aria-expanded=${String(state.renaming === u.path)} aria-label=${`${t("rename_unit")} ${u.name}`}
            @click=${() => { state.renaming = state.renaming === u.path ? "" : u.path; ctx.refresh(); }}>${t("rename_unit")}</button>
          ${depth === 0
            ? nothing
            : closed
              ? html`<button data-testid="unit-reopen" aria-label=${`${t("reopen_unit")} ${u.name}`} @click=${() => void patch(u, { closed: false }, "unit_reopened")}>${t("reopen_unit")}</button>`
              : html`<button data-testid="unit-close" aria-label=${`${t("close_unit")} ${u.name}`} @click=${() => ask(ctx, confirmId)}>${t("close_unit")}</button>`}
        </span>
      </div>
      ${state.renaming === u.path
        ? html`<form class="row" data-testid="unit-rename-form" novalidate @submit=${(e: SubmitEvent) => void rename(e, u)}>
            <input name="name" data-testid="unit-new-name" maxlength="100" .value=${u.name} aria-label=${fill(t("rename_unit_of"), { name: u.name })} />
            <button class="primary" data-testid="unit-rename-save">${t("save")}</button>
            <button type="button" @click=${() => { state.renaming = ""; ctx.refresh(); }}>${t("cancel")}</button></form>`
        : nothing}
      ${state.confirming === confirmId
        ? confirmBox(ctx, confirmId, fill(t("confirm_close_unit"), { name: u.name }), () => void patch(u, { closed: true }, "unit_closed_done"))
        : nothing}
      ${messages(`unit:${u.path}`, "unit")}
    </li>`;
  };
  const add = async (e: SubmitEvent) => {
    e.preventDefault();
    const el = e.target as HTMLFormElement;
    const v = formValues(el);
    const form = "add-unit";
    const refuse = (key: Key) => {
      state.notices.delete(form);
      setFormError(form, key);
      ctx.refresh();
    };
    if (!v.parent || !v.code || !v.name) return refuse(!v.name ? "unit_name_required" : "add_required");
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(v.code)) return refuse("unit_code_bad");
    if (v.parent.split("/").length >= MAX_DEPTH) return refuse("unit_too_deep");
    const path = `${v.parent}/${v.code}`;
    if (state.units.some(u => u.path === path)) return refuse("unit_exists");
    if (await act(ctx, form, () => ctx.api.post("/api/orgs", { path, name: v.name }), reload, "unit_added", { name: v.name })) el.reset();
  };
  const parents = openUnits().filter(u => u.path.split("/").length < MAX_DEPTH);
  return html`<section class="card" data-testid="units">
      <h2>${t("units_title")} <span class="count">${state.units.length}</span></h2>
      <div class="filters"><input type="search" data-testid="unit-search" aria-label=${t("unit_search_hint")} placeholder=${t("unit_search_hint")}
        .value=${live(state.unitQuery)} @input=${(e: Event) => { state.unitQuery = (e.target as HTMLInputElement).value; ctx.refresh(); }} /></div>
      <ul class="list units">${repeat(units, u => u.path, item)}</ul>
    </section>
    <section class="card" data-testid="unit-add">
      <h2>${t("add_unit")}</h2>
      <form class="form" data-testid="unit-add-form" novalidate @submit=${add}>
        <label>${t("unit_parent")}<select name="parent" data-testid="unit-add-parent">
          <option value="">${t("please_pick")}</option>
          ${parents.map(u => html`<option value=${u.path}>${orgLabel(u.path, root) || u.name}</option>`)}</select></label>
        <label>${t("unit_code")}<input name="code" data-testid="unit-add-code" maxlength="32" autocomplete="off" autocapitalize="off" spellcheck="false"
          placeholder=${t("unit_code_hint")} /></label>
        <label>${t("unit_name")}<input name="name" data-testid="unit-add-name" maxlength="100" autocomplete="off" /></label>
        <div class="row"><button class="primary" data-testid="unit-add-submit" ?disabled=${state.working === "add-unit"}>${t("add_unit")}</button></div>
        ${messages("add-unit", "unit-add")}
      </form>
    </section>`;
}
