// The people of the caller's unit: the list (searched, filtered by unit, role and account
// state, a page at a time), a person's panel (their unit, role and shown name changed, their
// password reset, their account disabled or enabled), their devices (listed and signed out),
// and adding a person.
import { html, nothing } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { repeat } from "lit-html/directives/repeat.js";
import { formValues, when, type Ctx } from "../../context";
import { deviceName, orgLabel } from "../../directory";
import { setFormError } from "../../form_errors";
import { code, t, type Key } from "../../i18n";
import {
  act, ask, colon, confirmBox, failed, fill, mayManage, messages, PAGE, ROLES, rolesFor, shownName, state, unitOptions,
  type DeviceRow, type PersonRow,
} from "./shared";

export async function loadDevices(ctx: Ctx, user: string): Promise<void> {
  state.devices.set(user, await ctx.api.get<DeviceRow[]>(`/api/devices?user=${encodeURIComponent(user)}`));
}

function matching(): PersonRow[] {
  const { q, org, role, state: account } = state.filter;
  const needle = q.trim().toLowerCase();
  return state.users.filter(
    u =>
      (!org || u.org === org || u.org.startsWith(`${org}/`)) &&
      (!role || u.role === role) &&
      (!account || (account === "disabled") === (u.disabled_at !== null)) &&
      (!needle || `${u.display_name ?? ""} ${u.name}`.toLowerCase().includes(needle)),
  );
}

export function peopleList(ctx: Ctx, reload: () => Promise<void>, loaded: boolean) {
  const found = matching();
  const shown = found.slice(0, state.shown);
  const refilter = (key: keyof typeof state.filter) => (e: Event) => {
    state.filter[key] = (e.target as HTMLInputElement).value;
    state.shown = PAGE;
    ctx.refresh();
  };
  return html`<section class="card" data-testid="people-list" data-loaded=${String(loaded)} data-total=${found.length}>
    <h2>${t("people_users")} <span class="count">${loaded ? state.users.length : "…"}</span></h2>
    <div class="filters">
      <input type="search" data-testid="people-search" aria-label=${t("people_search_hint")} placeholder=${t("people_search_hint")}
        .value=${live(state.filter.q)} @input=${refilter("q")} />
      <label>${t("export_unit")}<select data-testid="people-filter-org" @change=${refilter("org")}>
        <option value="" ?selected=${!state.filter.org}>${t("all")}</option>
        ${state.units.map(u => html`<option value=${u.path} ?selected=${state.filter.org === u.path}>${orgLabel(u.path, ctx.session.org)}</option>`)}
      </select></label>
      <label>${t("people_role")}<select data-testid="people-filter-role" @change=${refilter("role")}>
        <option value="" ?selected=${!state.filter.role}>${t("all")}</option>
        ${ROLES.map(r => html`<option value=${r} ?selected=${state.filter.role === r}>${code("role", r)}</option>`)}
      </select></label>
      <label>${t("people_state")}<select data-testid="people-filter-state" @change=${refilter("state")}>
        <option value="" ?selected=${!state.filter.state}>${t("all")}</option>
        <option value="active" ?selected=${state.filter.state === "active"}>${t("state_active")}</option>
        <option value="disabled" ?selected=${state.filter.state === "disabled"}>${t("state_disabled")}</option>
      </select></label>
    </div>
    ${loaded ? html`<p class="small" data-testid="people-shown">${fill(t("people_shown"), { shown: shown.length, total: found.length })}</p>` : nothing}
    ${loaded && found.length === 0 ? html`<p data-testid="people-none">${t("people_none")}</p>` : nothing}
    <ul class="list people">${repeat(shown, u => u.name, u => personItem(ctx, u, reload))}</ul>
    ${found.length > shown.length
      ? html`<button class="more" data-testid="people-more" @click=${() => { state.shown += PAGE; ctx.refresh(); }}>${t("show_more")} (${found.length - shown.length})</button>`
      : nothing}
  </section>`;
}

function personItem(ctx: Ctx, u: PersonRow, reload: () => Promise<void>) {
  const open = state.open === u.name;
  const toggle = async () => {
    state.open = open ? "" : u.name;
    state.confirming = "";
    // What the forms said last time is not news when the panel opens again.
    for (const form of ["change", "password", "account", "devices"]) {
      setFormError(`${form}:${u.name}`, null);
      state.notices.delete(`${form}:${u.name}`);
    }
    ctx.refresh();
    if (state.open) {
      await loadDevices(ctx, u.name).catch(e => failed(`devices:${u.name}`, e));
      ctx.refresh();
    }
  };
  const disabled = u.disabled_at !== null;
  return html`<li data-testid="person" data-name=${u.name} data-org=${u.org} data-role=${u.role} data-state=${disabled ? "disabled" : "active"}>
    <div class="row spread">
      <div class="who">
        <b data-testid="person-name">${shownName(u)}</b>
        <span class="badge" data-testid="person-role">${code("role", u.role)}</span>
        <span class="badge ${disabled ? "has_issues" : "approved"}" data-testid="person-state">${t(disabled ? "state_disabled" : "state_active")}</span>
        <div class="small"><span data-testid="person-unit">${orgLabel(u.org, ctx.session.org)}</span> ·
          <span data-testid="person-devices">${fill(t("device_count"), { n: u.devices })}</span> ·
          <span data-testid="person-synced">${u.last_seen_at ? `${t("last_synced")} ${when(u.last_seen_at)}` : t("never_synced")}</span></div>
      </div>
      <button data-testid="person-manage" aria-expanded=${String(open)} aria-label=${fill(t("manage_person"), { name: shownName(u) })}
        @click=${toggle}>${t("manage")}</button>
    </div>
    ${open ? personPanel(ctx, u, reload) : nothing}
  </li>`;
}

function personPanel(ctx: Ctx, u: PersonRow, reload: () => Promise<void>) {
  const me = u.name === ctx.session.user;
  const manage = mayManage(ctx, u);
  const id = u.name;
  const change = (e: SubmitEvent) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    const body: Record<string, string> = { name: u.name };
    if (v.role && v.role !== u.role) body.role = v.role;
    if (v.org && v.org !== u.org) body.org = v.org;
    if ((v.display_name ?? "") !== (u.display_name ?? "")) body.display_name = v.display_name ?? "";
    const form = `change:${id}`;
    if (Object.keys(body).length === 1) {
      setFormError(form, null);
      state.notices.set(form, { key: "nothing_changed", vars: {} });
      ctx.refresh();
      return;
    }
    void act(ctx, form, () => ctx.api.post("/api/users/change", body), reload, "changes_saved");
  };
  const password = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    const key = `password:${id}`;
    if ((v.password ?? "").length < 8) {
      state.notices.delete(key);
      setFormError(key, "password_short");
      ctx.refresh();
      return;
    }
    if (await act(ctx, key, () => ctx.api.post("/api/users/password", { name: u.name, password: v.password }), reload, "password_set")) form.reset();
  };
  const setDisabled = (disable: boolean) =>
    void act(ctx, `account:${id}`, () => ctx.api.post(`/api/users/${disable ? "disable" : "enable"}`, { name: u.name }), reload,
      disable ? "person_disabled" : "person_enabled");
  const disabled = u.disabled_at !== null;
  const confirmId = `${disabled ? "enable" : "disable"}:${u.name}`;
  const working = (form: string) => state.working === form;
  return html`<div class="details" data-testid="person-panel">
    <p class="small">${t("login_name")}${colon()}<b data-testid="person-login">${u.name}</b>
      ${u.has_password ? nothing : html`<br />${t("no_password")}`}
      ${disabled ? html`<br />${t("disabled_on")} ${when(u.disabled_at)}` : nothing}</p>
    ${me ? html`<p class="note">${t("this_is_you")}</p>` : nothing}
    ${!manage
      ? html`<p class="note" data-testid="person-not-managed">${t("only_admin_manages")}</p>`
      : html`<form class="form" data-testid="person-change" novalidate @submit=${change}>
          <h3>${t("change_person")}</h3>
          <label>${t("shown_name")}<input name="display_name" data-testid="person-display-name" maxlength="100" autocomplete="off" .value=${u.display_name ?? ""} /></label>
          ${me
            ? nothing
            : html`<label>${t("people_role")}<select name="role" data-testid="person-role-select">
                ${rolesFor(ctx).map(r => html`<option value=${r} ?selected=${u.role === r}>${code("role", r)}</option>`)}</select></label>`}
          <label>${t("person_unit")}<select name="org" data-testid="person-org-select">${unitOptions(ctx, u.org)}</select></label>
          <div class="row"><button class="primary" data-testid="person-save" ?disabled=${working(`change:${id}`)}>${t("save_changes")}</button></div>
          ${messages(`change:${id}`, "person-change")}
        </form>
        <form class="form" data-testid="person-password" novalidate @submit=${password}>
          <h3>${t("reset_password")}</h3>
          <label>${t("new_password")}<input name="password" type="password" data-testid="person-new-password" autocomplete="new-password" /></label>
          <div class="row"><button data-testid="person-set-password" ?disabled=${working(`password:${id}`)}>${t("set_password")}</button></div>
          ${messages(`password:${id}`, "person-password")}
        </form>
        ${me
          ? nothing
          : html`<div class="account">
              ${state.confirming === confirmId
                ? confirmBox(ctx, confirmId, fill(t(disabled ? "confirm_enable" : "confirm_disable"), { name: shownName(u) }), () => setDisabled(!disabled))
                : html`<div class="row"><button class=${disabled ? "primary" : "danger"} data-testid=${disabled ? "person-enable" : "person-disable"}
                    @click=${() => ask(ctx, confirmId)}>${t(disabled ? "enable_person" : "disable_person")}</button></div>`}
              ${messages(`account:${id}`, "person-account")}
            </div>`}`}
    ${devicesOf(ctx, u, manage || me, reload)}
  </div>`;
}

function devicesOf(ctx: Ctx, u: PersonRow, mayRevoke: boolean, reload: () => Promise<void>) {
  const devices = state.devices.get(u.name);
  const revoke = (d: DeviceRow) =>
    void act(ctx, `devices:${u.name}`, () => ctx.api.post("/api/devices/revoke", { device: d.id }), async () => {
      await loadDevices(ctx, u.name).catch(() => undefined);
      await reload();
    }, "device_revoked_done");
  return html`<div class="devices" data-testid="person-device-list">
    <h3>${t("devices")}</h3>
    ${devices === undefined
      ? html`<p class="loading" role="status">${t("loading")}</p>`
      : devices.length === 0
        ? html`<p>${t("no_devices")}</p>`
        : html`<ul class="list">${devices.map(d => {
            const name = d.name || deviceName(d.id);
            const confirmId = `revoke:${d.id}`;
            const current = d.id === ctx.session.device;
            return html`<li data-testid="device" data-id=${d.id} data-name=${d.name} data-revoked=${String(d.revoked_at !== null)}>
              <div><b>${name}</b> ${d.revoked_at !== null ? html`<span class="badge has_issues" data-testid="device-revoked">${t("device_revoked")}</span>` : nothing}</div>
              <div class="small">${t("device_first")} ${when(d.created_at)} · ${d.last_seen_at ? `${t("last_synced")} ${when(d.last_seen_at)}` : t("never_synced")}${d.revoked_at !== null ? ` · ${t("device_revoked")} ${when(d.revoked_at)}` : ""}</div>
              ${d.revoked_at !== null || !mayRevoke || current
                ? nothing
                : state.confirming === confirmId
                  ? confirmBox(ctx, confirmId, fill(t("confirm_revoke"), { device: name }), () => revoke(d))
                  : html`<div class="row"><button data-testid="device-revoke" @click=${() => ask(ctx, confirmId)}>${t("revoke_device")}</button></div>`}
            </li>`;
          })}</ul>`}
    ${messages(`devices:${u.name}`, "person-devices")}
  </div>`;
}

export function addPerson(ctx: Ctx, reload: () => Promise<void>) {
  const form = "add-person";
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const el = e.target as HTMLFormElement;
    const v = formValues(el);
    const refuse = (key: Key) => {
      state.notices.delete(form);
      setFormError(form, key);
      ctx.refresh();
    };
    if (!v.name || !v.role || !v.org) return refuse("add_required");
    if (v.name.length > 64 || /\s/.test(v.name)) return refuse("login_name_bad");
    if (v.password && v.password.length < 8) return refuse("password_short");
    const body: Record<string, string> = { name: v.name, role: v.role, org: v.org };
    if (v.display_name) body.display_name = v.display_name;
    if (v.password) body.password = v.password;
    if (await act(ctx, form, () => ctx.api.post("/api/users", body), reload, "person_added", { name: v.display_name || v.name })) el.reset();
  };
  return html`<details class="card" data-testid="people-add" ?open=${state.addOpen}
      @toggle=${(e: Event) => { state.addOpen = (e.target as HTMLDetailsElement).open; }}>
    <summary data-testid="people-add-open"><h2 class="inline">${t("people_add")}</h2></summary>
    <form class="form" data-testid="add-person-form" novalidate @submit=${submit}>
      <label>${t("login_name")}<input name="name" data-testid="add-name" maxlength="64" autocomplete="off" autocapitalize="off" spellcheck="false"
        aria-describedby="add-name-hint" /></label>
      <small class="small" id="add-name-hint">${t("login_name_hint")}</small>
      <label>${t("shown_name")}<input name="display_name" data-testid="add-display-name" maxlength="100" autocomplete="off" /></label>
      <label>${t("people_role")}<select name="role" data-testid="add-role">
        <option value="">${t("please_pick")}</option>
        ${rolesFor(ctx).map(r => html`<option value=${r}>${code("role", r)}</option>`)}</select></label>
      <label>${t("person_unit")}<select name="org" data-testid="add-org">
        <option value="">${t("please_pick")}</option>${unitOptions(ctx, "")}</select></label>
      <label>${t("initial_password")}<input name="password" type="password" data-testid="add-password" autocomplete="new-password" /></label>
      <div class="row"><button class="primary" data-testid="add-submit" ?disabled=${state.working === form}>${t("add_person")}</button></div>
      ${messages(form, "add-person")}
    </form>
  </details>`;
}
