// A document field's path (`members/m01/phone`) as words a supervisor reads: "成员 · 电话".
import { code, t, type Key } from "./i18n";

/** The word for a field's own name; the name itself when the app has none. */
const FIELD: Record<string, Key> = {
  address: "address",
  name: "member_name",
  phone: "phone",
  gender: "gender",
  birth_year: "birth_year",
  relation: "relation",
  id_tail: "id_tail",
  employment: "employment",
  health_record: "health_record",
  disability: "disability",
  removed_reason: "removed_reason",
  removed_on: "removed_on",
  notes: "notes",
  purpose: "purpose",
  needs: "needs",
  follow_up: "follow_up",
  status: "status",
  minutes: "minutes",
  activity: "activity",
  category: "category",
  date: "date",
  description: "description",
  urgency: "urgency",
  outcome: "outcome",
  satisfaction: "satisfaction",
  head: "head_name",
};

/** Lists in a document and the word for one of their items. */
const LIST: Record<string, Key> = {
  members: "members",
  visits: "visits",
  entries: "my_hours",
  tag_changes: "tag_history",
  log: "log_entry",
};

/** `members/m01/phone` → "成员 · 电话"; `tags/dibao` → "标签 · 低保"; `address` → "地址". */
export function fieldLabel(path: string): string {
  const parts = path.split("/").filter(p => p !== "");
  if (parts.length === 0) return path;
  if (parts[0] === "tags" && parts.length === 2) return `${t("tags")} · ${code("tag", parts[1])}`;
  const words: string[] = [];
  if (parts[0] in LIST && parts.length >= 3) {
    words.push(t(LIST[parts[0]]));
    parts.splice(0, 2);
  }
  for (const p of parts) words.push(p in FIELD ? t(FIELD[p]) : p);
  return words.join(" · ");
}
