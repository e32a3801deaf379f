// The signed-in session: tokens from the access API, kept on the device so the app
// opens offline; the refresh token renews access when the device is back online.

export type Role = "volunteer" | "worker" | "supervisor" | "admin";

/** What `/api/login` and `/api/refresh` answer. */
export interface Session {
  access_token: string;
  refresh_token: string;
  /** Seconds since the epoch. */
  expires_at: number;
  user: string;
  role: Role;
  org: string;
  device: string;
  /** When this device received the pair (ms since the epoch; set by the app). */
  obtained_at?: number;
}

const KEY = "linli.session";

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The server revoked this device and asks it to erase its local data. */
    readonly wipe = false,
  ) {
    super(message);
  }

  /** The error a refused response carries (its JSON body may say `wipe: true`). */
  static async from(response: Response): Promise<AuthError> {
    const text = await response.text();
    let wipe = false;
    try {
      wipe = JSON.parse(text)?.wipe === true;
    } catch {
      // not JSON
    }
    return new AuthError(text, response.status, wipe);
  }
}

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function store(session: Session): Session {
  session.obtained_at = Date.now();
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** Keeps a session whose scope changed (the tokens are the same ones). */
export function saveSession(session: Session): Session {
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function forget(): void {
  localStorage.removeItem(KEY);
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const kind = /Android/i.test(ua) ? "Android" : /iPhone|iPad/i.test(ua) ? "iOS" : "Browser";
  return `web ${kind} ${new Date().toISOString().slice(0, 10)}`;
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Signs in on this device. */
export async function login(name: string, password: string): Promise<Session> {
  const response = await post("/api/login", { name, password, device_name: deviceName() });
  if (!response.ok) throw await AuthError.from(response);
  return store((await response.json()) as Session);
}

/**
 * True when the access token expires within `marginSecs`, or within a third of its
 * lifetime when that is shorter (so a short-lived token is not renewed on every check).
 */
export function expiresSoon(session: Session, marginSecs = 60): boolean {
  const lifetime = session.obtained_at ? session.expires_at - session.obtained_at / 1000 : Infinity;
  const margin = Math.min(marginSecs, Math.max(1, lifetime / 3));
  return session.expires_at - margin <= Date.now() / 1000;
}

let refreshing: Promise<Session> | null = null;

/**
 * Trades the refresh token for a new pair (the server rotates it: the old one stops
 * working). One refresh at a time, so two callers never spend the same token twice.
 */
export function refresh(session: Session): Promise<Session> {
  refreshing ??= (async () => {
    try {
      const response = await post("/api/refresh", { refresh_token: session.refresh_token });
      if (!response.ok) throw await AuthError.from(response);
      return store((await response.json()) as Session);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

const WIPE = "linli.wipe";

/**
 * Erases everything this app keeps for `user` on the device: the session and settings now,
 * and the documents (IndexedDB) at the next start, before anything opens them.
 */
export function scheduleWipe(user: string): void {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("linli.") && key !== "linli.lang") localStorage.removeItem(key);
  }
  localStorage.setItem(WIPE, user);
}

/** Finishes a scheduled wipe; returns true when one was done. */
export async function finishWipe(): Promise<boolean> {
  const user = localStorage.getItem(WIPE);
  if (user === null) return false;
  await new Promise<void>(resolve => {
    const request = indexedDB.deleteDatabase(`linli-${user}`);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  localStorage.removeItem(WIPE);
  return true;
}
