// The volunteer's own registration (issue #20) on their home screen: their volunteer number,
// name, community, skills and times offered, from `GET /api/volunteers/me`. Kept on the device
// (without the ID number or phone) so it shows offline too; a volunteer made by an
// administrator without a sign-up (404) sees nothing, and being offline is never an error.
import { html, nothing } from "lit-html";
import { AuthError } from "../auth";
import type { Ctx } from "../context";
import { orgLabel } from "../directory";
import { code, t } from "../i18n";
import { listed, skillWord } from "./people/volunteer_signups";

/** What is kept and shown of the registration. */
export interface Registration {
  user: string;
  volunteer_number: string | null;
  name: string;
  community: string;
  skills: string[];
  availability: string[];
  decided_at: number | null;
}

const KEY = "linli.registration";
/** How long after a failed load (offline) it is asked again. */
const RETRY_MS = 30_000;

let registration: Registration | null = read();
let loading = false;
/** When it was last asked, and whether the server has answered this session. */
let askedAt = 0;
let answered = false;

function read(): Registration | null {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "null") as Registration | null;
  } catch {
    return null;
  }
}

/** Forgets the kept registration (on sign-out). */
export function forgetRegistration(): void {
  registration = null;
  localStorage.removeItem(KEY);
}

async function load(ctx: Ctx): Promise<void> {
  loading = true;
  askedAt = Date.now();
  try {
    const me = await ctx.api.get<Registration & { id_number?: string; phone?: string }>("/api/volunteers/me");
    registration = {
      user: ctx.session.user,
      volunteer_number: me.volunteer_number,
      name: me.name,
      community: me.community,
      skills: me.skills ?? [],
      availability: me.availability ?? [],
      decided_at: me.decided_at,
    };
    localStorage.setItem(KEY, JSON.stringify(registration));
    answered = true;
  } catch (e) {
    if (e instanceof AuthError && (e.status === 404 || e.status === 403)) {
      // No sign-up behind this account: nothing to show.
      forgetRegistration();
      answered = true;
    }
    // Otherwise offline or the server unreachable: what was kept stays, asked again later.
  } finally {
    loading = false;
    ctx.refresh();
  }
}

/** The registration of the person signed in: as kept, and asked for when not yet answered. */
export function myRegistration(ctx: Ctx): Registration | null {
  if (!answered && !loading && navigator.onLine && Date.now() - askedAt > (askedAt ? RETRY_MS : 0)) void load(ctx);
  return registration?.user === ctx.session.user ? registration : null;
}

/** The card on the volunteer's home screen, or nothing. */
export function registrationCard(ctx: Ctx) {
  const r = myRegistration(ctx);
  if (!r) return nothing;
  return html`<section class="card registration" data-testid="registration">
    <h2>${t("vr_title")}</h2>
    <div class="figures">
      <div><b data-testid="registration-number">${r.volunteer_number ?? ""}</b><span>${t("vr_number")}</span></div>
    </div>
    <dl>
      <dt>${t("your_name")}</dt><dd data-testid="registration-name">${r.name}</dd>
      <dt>${t("vr_community")}</dt><dd data-testid="registration-community">${orgLabel(r.community, r.community.split("/")[0])}</dd>
      <dt>${t("vr_skills")}</dt><dd data-testid="registration-skills">${listed(r.skills, skillWord)}</dd>
      <dt>${t("vr_availability")}</dt><dd data-testid="registration-availability">${listed(r.availability, a => code("av", a))}</dd>
      ${r.decided_at ? html`<dt>${t("vr_approved_on")}</dt><dd>${new Date(r.decided_at).toLocaleDateString(document.documentElement.lang || "zh-CN")}</dd>` : nothing}
    </dl>
  </section>`;
}
