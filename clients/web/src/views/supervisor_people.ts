// People and units (issue #19), a tab of the supervisor's desk: the people of the caller's
// unit (searched, filtered by unit, role and account state, a page at a time), each with
// their role, unit, account state, devices and last sync; a person's unit, role and shown
// name changed, their password reset, their account disabled or enabled, their devices listed
// and signed out; people added one by one or from a sheet (checked first, then created).
// Residents' sign-ups as volunteers wait here for a supervisor's decision (their count on the
// section's button), and so do volunteers' requests for certificates of their service, to be
// issued; the volunteers' star levels and hours and each community's year are here too.
// Administrators also keep the units (added, renamed, closed and reopened)
// and read the audit log. Everything here is the server's API: it decides who may do what, and its refusals are
// shown next to the form that caused them, in the current language, with its own words as
// the detail.
// This file loads the tab and composes its sections, which live in people/: shared.ts (the
// state and common helpers), people_list.ts, volunteer_signups.ts, certificates.ts,
// volunteer_standing.ts, import.ts, units.ts and audit.ts.
import { html } from "lit-html";
import type { Ctx } from "../context";
import { t, type Key } from "../i18n";
import { auditSection, loadAudit } from "./people/audit";
import { importSection } from "./people/import";
import { addPerson, loadDevices, peopleList } from "./people/people_list";
import { isAdmin, state, type PersonRow, type Section, type UnitRow } from "./people/shared";
import { unitsSection } from "./people/units";
import { loadSignUps, pendingCount, signups, signUpsSection } from "./people/volunteer_signups";
import { certificatesSection, certs, loadCertificates, requestedCount } from "./people/certificates";
import { loadStanding, standingSection } from "./people/volunteer_standing";

/** Loads the people and units of the caller's unit (and the open person's devices), and the
 * volunteer sign-ups waiting there (a failure of theirs is said in their section). */
export async function loadPeople(ctx: Ctx): Promise<void> {
  const [users, units] = await Promise.all([
    ctx.api.get<PersonRow[]>("/api/users"),
    ctx.api.get<UnitRow[]>("/api/orgs/admin"),
    loadSignUps(ctx),
    loadCertificates(ctx, state.section === "certificates"),
    state.section === "standing" ? loadStanding(ctx) : undefined,
  ]);
  state.users = users;
  state.units = units;
  if (state.open) await loadDevices(ctx, state.open).catch(() => undefined);
}

/** The people tab; `reload` fetches its lists again, `loaded` says whether they have arrived. */
export function peopleView(ctx: Ctx, reload: () => Promise<void>, loaded: boolean) {
  const admin = isAdmin(ctx);
  if (!admin && (state.section === "units" || state.section === "audit")) state.section = "users";
  const sections: [Section, Key][] = [["users", "people_users"], ["signups", "vs_section"]];
  // Certificates (not for administrators: the server lets them neither issue nor read them)
  // and the volunteers' stars (issue #20).
  if (!admin) sections.push(["certificates", "ce_section"]);
  sections.push(["standing", "rk_section"], ["import", "people_import"]);
  if (admin) sections.push(["units", "people_units"], ["audit", "people_audit"]);
  const pick = (s: Section) => {
    state.section = s;
    state.confirming = "";
    if (s === "audit") void loadAudit(ctx);
    if (s === "certificates") void loadCertificates(ctx, true).then(ctx.refresh);
    if (s === "standing") void loadStanding(ctx).then(ctx.refresh);
    ctx.refresh();
  };
  let body;
  if (state.section === "import") body = importSection(ctx, reload);
  else if (state.section === "units") body = unitsSection(ctx, reload);
  else if (state.section === "audit") body = auditSection(ctx);
  else if (state.section === "signups") body = signUpsSection(ctx, reload);
  else if (state.section === "certificates") body = certificatesSection(ctx, reload);
  else if (state.section === "standing") body = standingSection(ctx, reload);
  else body = html`${addPerson(ctx, reload)}${peopleList(ctx, reload, loaded)}`;
  return html`<div class="people-tab">
    <nav class="tabs subtabs" aria-label=${t("people_section")} data-testid="people-sections">
      ${sections.map(([s, label]) => html`<button class=${state.section === s ? "active" : ""} aria-pressed=${String(state.section === s)}
        data-testid=${`people-section-${s}`} @click=${() => pick(s)}>${t(label)}${s === "signups" && signups.loaded
          ? html` <span class="count" data-testid="signups-pending">${pendingCount()}</span>` : ""}${s === "certificates" && certs.loaded
          ? html` <span class="count" data-testid="certificates-pending">${requestedCount()}</span>` : ""}</button>`)}
    </nav>
    ${body}
  </div>`;
}
