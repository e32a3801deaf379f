// Visits on the grid worker's phone: the form (purpose from a list, what was found, the needs
// as request categories, an optional next visit day and, only when the worker allows it, the
// phone's location), checked before it is saved and confirmed as saved on this phone; and
// the household's visits, newest first.
import { html, nothing } from "lit-html";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { formValues, type Ctx } from "../context";
import { code, t } from "../i18n";
import { NEEDS, VISIT_PURPOSES, dayOf, newId, nowIso, type Household, type Visit } from "../records";
import { personName } from "../directory";
import { formError, setFormError } from "../form_errors";

/** The phone's position, or null when the worker said no, it is unavailable or too slow. */
function position(): Promise<Visit["location"]> {
  return new Promise(resolve => {
    if (!("geolocation" in navigator)) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      p => resolve({ lat: Math.round(p.coords.latitude * 1e6) / 1e6, lon: Math.round(p.coords.longitude * 1e6) / 1e6, accuracy_m: Math.round(p.coords.accuracy) }),
      () => resolve(null),
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 60_000 },
    );
  });
}

/** A visit's purpose in words: a code from the list, or older free text as it is. */
export function purposeText(purpose: string): string {
  return VISIT_PURPOSES.includes(purpose) ? code("purpose", purpose) : purpose;
}

export function visitForm(ctx: Ctx, handle: DocHandle<Household>) {
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const v = formValues(form);
    const missing = !v.purpose ? "required_purpose" : !v.notes ? "required_notes" : null;
    setFormError("visit", missing);
    ctx.refresh();
    if (missing) return;
    const needs = NEEDS.filter(n => (form.elements.namedItem(`need_${n}`) as HTMLInputElement)?.checked);
    const wantsLocation = (form.elements.namedItem("location") as HTMLInputElement)?.checked;
    const location = wantsLocation ? await position() : null;
    if (wantsLocation && !location) ctx.toast(t("location_failed"));
    const visit: Visit = {
      id: newId(),
      at: nowIso(),
      by: ctx.session.user,
      purpose: v.purpose,
      notes: v.notes,
      needs,
      ...(v.follow_up ? { follow_up: v.follow_up } : {}),
      ...(location ? { location } : {}),
    };
    handle.change(x => { x.visits.push(visit); });
    form.reset();
    ctx.toast(ctx.sync.status().connected ? `${t("visit_saved")} · ${t("visit_synced")}` : t("visit_saved"));
    ctx.refresh();
  };
  return html`<form class="card form" data-testid="visit-form" novalidate @submit=${save}>
    <h3>${t("log_visit")}</h3>
    <label>${t("purpose")}<select name="purpose" data-testid="visit-purpose"><option value="">${t("please_choose")}</option>${VISIT_PURPOSES.map(p => html`<option value=${p}>${code("purpose", p)}</option>`)}</select></label>
    <label>${t("notes")}<textarea name="notes" rows="3" maxlength="2000"></textarea></label>
    <fieldset class="chips"><legend>${t("needs")}</legend>${NEEDS.map(n => html`<label class="check"><input type="checkbox" name=${`need_${n}`} /> ${code("rq", n)}</label>`)}</fieldset>
    <label>${t("follow_up")}<input name="follow_up" type="date" /></label>
    <label class="check"><input type="checkbox" name="location" /> ${t("share_location")}</label>
    <p class="error" data-testid="visit-error" role="alert">${formError("visit")}</p>
    <button class="primary" type="submit">${t("save")}</button>
  </form>`;
}

/** One visit as listed. */
export function visitItem(v: Visit) {
  return html`<li data-testid="visit">
    <b>${dayOf(v.at)}</b> ${purposeText(v.purpose)} <small>${personName(v.by)}</small>
    ${v.notes ? html`<p>${v.notes}</p>` : nothing}
    ${(v.needs ?? []).map(n => html`<span class="badge">${code("rq", n)}</span>`)}
    ${v.follow_up ? html`<small>${t("follow_up")} ${v.follow_up}</small>` : nothing}
    ${v.location ? html`<small data-testid="visit-location">${t("location")} ${v.location.lat.toFixed(4)}, ${v.location.lon.toFixed(4)}</small>` : nothing}
    ${v.review?.status === "has_issues" ? html`<p class="note">${t("sent_back")}: ${v.review.note}</p>` : nothing}
  </li>`;
}

export function visitList(d: Household) {
  return html`<section class="card">
    <h3>${t("visits")}</h3>
    <ul class="list">${[...(d.visits ?? [])].sort((a, b) => b.at.localeCompare(a.at)).map(visitItem)}</ul>
  </section>`;
}
