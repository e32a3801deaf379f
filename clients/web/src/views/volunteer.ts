// The volunteer's screens: log hours (offline too), edit them while submitted or sent
// back, see the supervisor's decision and note, the totals, and a printable record of
// approved service; and the service requests assigned to the volunteer, updated offline.
// A volunteer who signed up in the app also sees their registration and volunteer number
// (volunteer_registration.ts).
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { discover } from "../discover";
import { plain } from "../sync";
import { formValues, hours, type Ctx } from "../context";
import { code, t } from "../i18n";
import { CATEGORIES, hoursOf, newId, newVolunteer, today, type Entry, type ServiceRequest, type Volunteer } from "../records";
import { assignedToMe } from "./assigned";
import { orgLabel, personName } from "../directory";
import { myRegistration, registrationCard } from "./volunteer_registration";
import { activitiesCard } from "./volunteer_activities";
import { certificateOnScreen, certificatesSection } from "./volunteer_certificates";
import { starsCard } from "./volunteer_stars";

let editing: string | null = null;
/** The entry whose deletion waits for a second tap. */
let deleting: string | null = null;
let discovered = false;
let discovery: Promise<void> | null = null;

/** Finds the volunteer's own document: on this device, or listed by the server. */
async function findMine(ctx: Ctx): Promise<void> {
  await discover(ctx, ["volunteer", "request"]);
  discovered = true;
  ctx.refresh();
}

function mine(ctx: Ctx): DocHandle<Volunteer> | undefined {
  return ctx.sync
    .open_handles<Volunteer>()
    .find(h => h.isReady() && plain(h.doc())?.kind === "volunteer" && plain(h.doc())?.user === ctx.session.user);
}

function entryForm(ctx: Ctx, handle: DocHandle<Volunteer>, id: string | null, entry?: Entry) {
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    const minutes = Math.round(Number(v.hours) * 60);
    if (!(minutes > 0) || !v.date || !v.activity) return;
    handle.change(d => {
      if (id && d.entries[id]) {
        const x = d.entries[id];
        if (String(x.date) !== v.date) x.date = v.date;
        if (x.minutes !== minutes) x.minutes = minutes;
        if (String(x.activity) !== v.activity) x.activity = v.activity;
        if (String(x.category) !== v.category) x.category = v.category;
        if (String(x.status) === "has_issues") x.status = "submitted";
      } else {
        d.entries[newId()] = {
          date: v.date,
          minutes,
          activity: v.activity,
          category: v.category,
          source: "self",
          status: "submitted",
        };
      }
    });
    editing = null;
    form.reset();
    // The next entry is most likely today's (reset() would leave the date empty).
    (form.elements.namedItem("date") as HTMLInputElement).value = today();
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  return html`<form class="card form" data-testid=${id ? "edit-entry-form" : "log-hours-form"} @submit=${submit}>
    <h3>${id ? t("edit") : t("log_hours")}</h3>
    <label>${t("date")}<input name="date" type="date" required .value=${entry?.date ?? today()} /></label>
    <label>${t("hours")}<input name="hours" type="number" min="0.25" max="24" step="0.25" required .value=${entry ? hours(entry.minutes) : ""} /></label>
    <label>${t("activity")}<input name="activity" required maxlength="200" .value=${entry?.activity ?? ""} /></label>
    <label>${t("category")}<select name="category">
      ${CATEGORIES.map(c => html`<option value=${c} ?selected=${entry?.category === c}>${code("cat", c)}</option>`)}
    </select></label>
    <div class="row">
      <button type="submit" class="primary">${t("save")}</button>
      ${id ? html`<button type="button" @click=${() => { editing = null; ctx.refresh(); }}>${t("cancel")}</button>` : nothing}
    </div>
  </form>`;
}

function entryRow(ctx: Ctx, handle: DocHandle<Volunteer>, id: string, e: Entry) {
  if (editing === id) return entryForm(ctx, handle, id, e);
  // Check-in hours are credited by the server from the organiser's codes: not the
  // volunteer's to change or delete (the access rules refuse it).
  const checkin = e.source === "checkin";
  const editable = !checkin && (e.status === "submitted" || e.status === "has_issues");
  return html`<li class="entry" data-testid="entry" data-status=${e.status} data-activity=${e.activity}>
    <div class="line"><b>${e.date}</b> <span>${e.activity}</span></div>
    <div class="line">
      <span>${hours(e.minutes)} ${t("hours")} · ${code("cat", e.category)}${checkin ? html` · <span data-testid="entry-checkin">${t("ac_entry_checkin")}</span>` : nothing}</span>
      <span class="badge ${e.status}" data-testid="entry-status">${code("st", e.status)}</span>
    </div>
    ${e.review?.note ? html`<p class="note">${t("supervisor_note")}: ${e.review.note}</p>` : nothing}
    ${editable ? html`<button class="link" @click=${() => { editing = id; ctx.refresh(); }}>${t("edit")}</button>` : nothing}
    ${e.status === "submitted" && !checkin ? deleteButton(ctx, handle, id) : nothing}
  </li>`;
}

/** Deleting an entry not yet reviewed (the access rules allow it while it is submitted):
 * one tap asks, the second deletes. */
function deleteButton(ctx: Ctx, handle: DocHandle<Volunteer>, id: string) {
  if (deleting !== id) {
    return html`<button class="link" data-testid="entry-delete" @click=${() => { deleting = id; ctx.refresh(); }}>${t("delete_entry")}</button>`;
  }
  const confirm = () => {
    handle.change(x => { delete x.entries[id]; });
    deleting = null;
    if (!ctx.sync.status().connected) ctx.toast(t("saved_locally"));
    ctx.refresh();
  };
  return html`<span class="row"><button class="danger" data-testid="entry-delete-confirm" @click=${confirm}>${t("delete_entry_confirm")}</button>
    <button class="link" @click=${() => { deleting = null; ctx.refresh(); }}>${t("cancel")}</button></span>`;
}

function printable(v: Volunteer) {
  const approved = Object.values(v.entries ?? {})
    .filter(e => e.status === "approved")
    .sort((a, b) => a.date.localeCompare(b.date));
  return html`<section class="card printable" data-testid="service-record">
    <h2>${t("record_title")}</h2>
    <p>${t("your_name")}: <b>${v.name}</b> · ${orgLabel(v.org)}</p>
    <table>
      <thead><tr><th>${t("date")}</th><th>${t("activity")}</th><th>${t("hours")}</th><th>${t("approver")}</th></tr></thead>
      <tbody>${approved.map(e => html`<tr><td>${e.date}</td><td>${e.activity}</td><td>${hours(e.minutes)}</td><td>${e.review?.by ? personName(e.review.by) : ""}</td></tr>`)}</tbody>
    </table>
    <p>${t("record_total")}: <b>${hours(hoursOf(approved, "approved"), false)}</b> ${t("hours")}</p>
    <button class="no-print" @click=${() => window.print()}>${t("print")}</button>
  </section>`;
}

/** The requests on this device (a volunteer reads only those assigned to them). */
function requests(ctx: Ctx): DocHandle<ServiceRequest>[] {
  return ctx.sync
    .open_handles<ServiceRequest>()
    .filter(h => h.isReady() && (plain(h.doc()) as { kind?: string })?.kind === "request");
}

export function volunteerView(ctx: Ctx) {
  const certificate = certificateOnScreen(ctx);
  if (certificate) return certificate;
  if (!discovered) {
    discovery ??= findMine(ctx);
    return html`${registrationCard(ctx)}<p class="boot">${t("loading")}</p>`;
  }
  const handle = mine(ctx);
  if (!handle) {
    const create = (e: SubmitEvent) => {
      e.preventDefault();
      const v = formValues(e.target as HTMLFormElement);
      ctx.sync.create(newVolunteer(ctx.session.org, ctx.session.user, v.name));
    };
    return html`${registrationCard(ctx)}<form class="card form" data-testid="create-volunteer" @submit=${create}>
      <p>${t("setting_up")}</p>
      <label>${t("your_name")}<input name="name" required .value=${myRegistration(ctx)?.name ?? ""} /></label>
      <button class="primary" type="submit">${t("create_record")}</button>
    </form>`;
  }
  const v = plain(handle.doc());
  const entries = Object.entries(v.entries ?? {}).sort((a, b) => b[1].date.localeCompare(a[1].date));
  const all = entries.map(([, e]) => e);
  return html`
    ${registrationCard(ctx)}
    ${starsCard(ctx)}
    <section class="card totals" data-testid="totals">
      <h2>${t("totals")}</h2>
      <div class="figures">
        <div><b data-testid="approved-hours">${hours(hoursOf(all, "approved"), false)}</b><span>${t("approved_hours")}</span></div>
        <div><b>${hours(hoursOf(all, "submitted"), false)}</b><span>${t("waiting_hours")}</span></div>
      </div>
    </section>
    ${activitiesCard(ctx)}
    ${editing ? nothing : entryForm(ctx, handle, null)}
    ${assignedToMe(ctx, requests(ctx))}
    <section class="card">
      <h2>${t("my_hours")}</h2>
      ${entries.length === 0 ? html`<p>${t("no_entries")}</p>` : nothing}
      <ul class="list">${entries.map(([id, e]) => entryRow(ctx, handle, id, e))}</ul>
    </section>
    ${printable(v)}
    ${certificatesSection(ctx)}
  `;
}
