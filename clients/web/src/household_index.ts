// What the grid worker's list needs of each household, computed once per version of its
// document (a document's object changes exactly when its heads do), and the search over
// them: 2,000 households on a cheap phone are filtered in a few milliseconds and only a page
// of them is drawn.
import type { DocHandle, DocumentId } from "@automerge/automerge-repo/slim";
import { plain } from "./sync";
import { followUpOf, type FollowUpState } from "./follow_up";
import { tagsOf } from "./tags";
import { dayOf, headName, residentsOf, type Household } from "./records";

/** One household as the list shows and searches it. */
export interface Summary {
  id: DocumentId;
  address: string;
  head: string;
  residents: number;
  /** The day of the last visit logged, or "" when never visited. */
  lastVisit: string;
  sentBack: boolean;
  /** Address and resident members' names, lower-cased, for substring search. */
  text: string;
  /** Resident members' phone numbers, digits only. */
  phones: string[];
  /** The tags it carries on `day` (with the derived 零就业家庭). */
  tags: string[];
  /** Its follow-up state on `day` under the rules it was computed with. */
  follow: FollowUpState;
  /** The day its next visit is due ("" when never visited). */
  due: string;
  /** The visits made on `day`. */
  visitsToday: { at: string; purpose: string }[];
}

/** What a summary depends on besides the document. */
interface Computed {
  day: string;
  rules: string;
  summary: Summary;
}

const cache = new WeakMap<object, Computed>();

/** The household's summary on `day` under `rules` (`rulesKey` is their JSON); `doc` is the
 * handle's current document. */
function summarize(handle: DocHandle<Household>, doc: Household, day: string, rules: Record<string, number>, rulesKey: string): Summary {
  const hit = cache.get(doc);
  if (hit && hit.day === day && hit.rules === rulesKey) return hit.summary;
  const d = plain(doc);
  const residents = residentsOf(d);
  const visits = d.visits ?? [];
  const last = visits[visits.length - 1];
  const tags = tagsOf(d, day);
  const follow = followUpOf(d, day, rules, tags);
  const summary: Summary = {
    id: handle.documentId,
    address: d.address ?? "",
    head: headName(d),
    residents: residents.length,
    lastVisit: last ? dayOf(last.at) : "",
    sentBack: d.review?.status === "has_issues",
    text: [d.address ?? "", ...residents.map(m => m.name ?? "")].join("\n").toLowerCase(),
    phones: residents.map(m => (m.phone ?? "").replace(/\D/g, "")).filter(p => p.length > 0),
    tags,
    follow: follow.state,
    due: follow.due,
    visitsToday: visits.filter(v => dayOf(v.at) === day).map(v => ({ at: v.at, purpose: v.purpose })),
  };
  cache.set(doc, { day, rules: rulesKey, summary });
  return summary;
}

/** What the worker asked for: the words typed and the chips on. */
export interface Query {
  text: string;
  tags: string[];
  due: boolean;
}

/** Follow-up states the "due" chip keeps: never visited, overdue, or due today. */
const DUE: FollowUpState[] = ["never", "overdue", "today"];

export function isDue(s: Summary): boolean {
  return DUE.includes(s.follow);
}

/** The test for `q`, prepared once for all households. Text: a substring of the address or
 * a resident's name, or, when it is all digits (spaces and `+ - ( )` allowed), the end of a
 * resident's phone. Chips: every tag chosen, and due when "due" is on. */
export function matcher(q: Query): (s: Summary) => boolean {
  const text = q.text.trim().toLowerCase();
  const digits = /^[\d\s+\-()]+$/.test(text) ? text.replace(/\D/g, "") : "";
  const tags = [...q.tags];
  return s => {
    if (q.due && !isDue(s)) return false;
    for (const tag of tags) if (!s.tags.includes(tag)) return false;
    if (!text || s.text.includes(text)) return true;
    return digits.length > 0 && s.phones.some(p => p.endsWith(digits));
  };
}

/** Where the documents' current versions come from (the app's `Sync`). */
export interface Documents {
  docOf<T>(handle: DocHandle<T>): T;
  /** Changes whenever any document is opened or changes. */
  version(): number;
}

const collator = new Intl.Collator("zh-CN", { numeric: true });

/** The households in order of address, and their search, cached between renders. */
export class HouseholdIndex {
  /** What the last update was given and made, to tell when nothing changed. */
  private lastKey = "";
  private lastInput: Summary[] = [];
  private all: Summary[] = [];
  private lastQuery = "";
  private lastResult: Summary[] = [];
  private tally = new Map<string, number>();

  /** Brings the index up to date with these handles, whose current documents `docs`
   * gives; free when no document changed since the last call, and one lookup per household
   * otherwise (only the changed ones are summarised again). */
  update(handles: DocHandle<Household>[], docs: Documents, day: string, rules: Record<string, number>): void {
    const rulesKey = JSON.stringify(rules);
    const key = `${day}\n${rulesKey}\n${docs.version()}\n${handles.length}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    const next = handles.map(h => summarize(h, docs.docOf(h), day, rules, rulesKey));
    // The same summaries in the same order: no household changed since the last render.
    if (next.length === this.lastInput.length && next.every((s, i) => s === this.lastInput[i])) return;
    this.lastInput = next;
    this.all = [...next].sort((a, b) => collator.compare(a.address, b.address) || (a.id < b.id ? -1 : 1));
    this.tally = new Map();
    for (const s of next) {
      for (const tag of s.tags) this.tally.set(tag, (this.tally.get(tag) ?? 0) + 1);
      if (isDue(s)) this.tally.set("due", (this.tally.get("due") ?? 0) + 1);
    }
    this.lastQuery = "";
  }

  /** Every household, in order of address. */
  households(): Summary[] {
    return this.all;
  }

  /** The households matching `q`, in order of address. */
  search(q: Query): Summary[] {
    const key = JSON.stringify([q.text.trim().toLowerCase(), [...q.tags].sort(), q.due]);
    if (key !== this.lastQuery) {
      this.lastQuery = key;
      this.lastResult = this.all.filter(matcher(q));
    }
    return this.lastResult;
  }

  /** How many households carry each tag (and, under "due", how many are due). */
  counts(): Map<string, number> {
    return this.tally;
  }
}
