// Names for the codes people would otherwise see: units by their names, people by the names
// they were given, devices by the name given at sign-in. Fetched from `GET /api/directory`
// (scoped by the server to what the user may know) and kept on the device, so the names
// are there offline too.

interface Directory {
  orgs: Record<string, string>;
  users: Record<string, string>;
  devices: Record<string, string>;
  /** Login → role. */
  roles: Record<string, string>;
}

const KEY = "linli.directory";
let directory: Directory = read();

function read(): Directory {
  try {
    const kept = JSON.parse(localStorage.getItem(KEY) ?? "null") as Directory | null;
    if (kept && kept.orgs && kept.users && kept.devices) return { ...kept, roles: kept.roles ?? {} };
  } catch {
    // nothing kept, or not readable: start empty
  }
  return { orgs: {}, users: {}, devices: {}, roles: {} };
}

/** Fetches the directory and keeps it; offline, the kept one stays. Resolves to whether it
 * changed. */
export async function loadDirectory(get: <T>(path: string) => Promise<T>): Promise<boolean> {
  try {
    const fresh = await get<Directory>("/api/directory");
    const changed = JSON.stringify(fresh) !== JSON.stringify(directory);
    directory = { orgs: fresh.orgs ?? {}, users: fresh.users ?? {}, devices: fresh.devices ?? {}, roles: fresh.roles ?? {} };
    localStorage.setItem(KEY, JSON.stringify(directory));
    return changed;
  } catch {
    return false;
  }
}

/** Forgets the kept names (on sign-out). */
export function forgetDirectory(): void {
  directory = { orgs: {}, users: {}, devices: {}, roles: {} };
  localStorage.removeItem(KEY);
}

/** A unit's name: its own, else the last part of its path. */
export function orgName(path: string | null | undefined): string {
  if (!path) return "";
  return directory.orgs[path] ?? path.split("/").at(-1) ?? path;
}

/** A unit's name with the names of the units above it below the user's own: "幸福街道 · 幸福社区". */
export function orgLabel(path: string | null | undefined, from = ""): string {
  if (!path) return "";
  const parts = path.split("/");
  const names: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join("/");
    if (from && (from === p || from.startsWith(`${p}/`))) continue;
    names.push(orgName(p));
  }
  return names.length ? names.join(" · ") : orgName(path);
}

/** The units the directory knows at or under `root`, by path. */
export function unitsUnder(root: string): { path: string; name: string }[] {
  return Object.entries(directory.orgs)
    .filter(([path]) => path === root || path.startsWith(`${root}/`))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, name]) => ({ path, name }));
}

/** A person's name: the one they were given, else their user name. */
export function personName(user: string | null | undefined): string {
  if (!user) return "?";
  return directory.users[user] ?? user;
}

/** A device's name as given at sign-in, else a short form of its id. */
export function deviceName(id: string | null | undefined): string {
  if (!id) return "?";
  return directory.devices[id] ?? (id.length > 12 ? `${id.slice(0, 10)}…` : id);
}

/** The people with `role` the directory knows, by name: whom work can be assigned to. */
export function peopleWithRole(role: string): { user: string; name: string }[] {
  return Object.entries(directory.roles)
    .filter(([, r]) => r === role)
    .map(([user]) => ({ user, name: personName(user) }))
    .sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
}
