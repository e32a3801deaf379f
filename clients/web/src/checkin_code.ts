// Check-in codes at a volunteer activity (issue #20), made by the organiser's phone with no
// network and read back from a scanned QR code on the volunteer's. The same codes as
// sync-core/src/checkin.rs, byte for byte:
//
//   LINLI-CI1.<activity>.<i|o>.<minute>.<signature>
//
// `minute` counts minutes since 1970-01-01 UTC on the organiser's phone; `signature` is the
// first 16 bytes of HMAC-SHA256(key, "<activity>.<i|o>.<minute>"), base64url without padding,
// where `key` is the activity's key as the server gave it (base64url), decoded to its bytes.
// Only the server can tell a genuine code from a forged one; the volunteer's phone checks
// the form (`parseCode`) so that a wrong picture is refused at once.

/** What every code begins with (and its version). */
export const PREFIX = "LINLI-CI1";
/** Bytes of the signature kept in a code. */
const SIGNATURE_BYTES = 16;
/** The longest code taken (the server's `MAX_CODE_LEN`). */
export const MAX_CODE_LEN = 200;

/** Check-in (`i`) or check-out (`o`). */
export type Scan = "i" | "o";

/** A code as read (its signature not checked: only the server holds the key). */
export interface Code {
  activity: string;
  scan: Scan;
  /** Minutes since 1970-01-01 UTC, by the organiser's phone. */
  minute: number;
}

/** The minute a code made now carries. */
export const minuteNow = (now = Date.now()): number => Math.floor(now / 60_000);

/** Bytes from base64url (with or without padding; plain base64's `+` and `/` taken too). */
export function fromBase64Url(text: string): Uint8Array {
  const b64 = text.trim().replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, c => c.charCodeAt(0));
}

/** Base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Whether this browser can sign codes (Web Crypto needs a secure origin: https or localhost). */
export const canSign = (): boolean => typeof crypto !== "undefined" && !!crypto.subtle;

/** Imported keys, by their text, so that a code each minute does not import again. */
const imported = new Map<string, Promise<CryptoKey>>();

function hmacKey(key: string): Promise<CryptoKey> {
  let k = imported.get(key);
  if (!k) {
    const raw = fromBase64Url(key);
    k = crypto.subtle.importKey("raw", raw as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    imported.set(key, k);
  }
  return k;
}

/** The code the organiser's phone shows for `activity` at `minute`, signed with `key`
 * (base64url, as `GET /api/activities/{id}/key` gives it). */
export async function signCode(key: string, activity: string, scan: Scan, minute: number): Promise<string> {
  const message = `${activity}.${scan}.${minute}`;
  const tag = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(key), new TextEncoder().encode(message)));
  return `${PREFIX}.${message}.${toBase64Url(tag.subarray(0, SIGNATURE_BYTES))}`;
}

/** Reads a scanned or typed text as a code, or `null` when it is not one (the same rules as
 * the server's `Code::parse`). */
export function parseCode(text: string): Code | null {
  const trimmed = text.trim();
  if (trimmed.length > MAX_CODE_LEN) return null;
  const parts = trimmed.split(".");
  if (parts.length !== 5) return null;
  const [prefix, activity, scan, minute, signature] = parts;
  if (prefix !== PREFIX || !activity || (scan !== "i" && scan !== "o")) return null;
  if (!/^\d+$/.test(minute) || !Number.isSafeInteger(Number(minute))) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(signature)) return null;
  try {
    if (fromBase64Url(signature).length !== SIGNATURE_BYTES) return null;
  } catch {
    return null;
  }
  return { activity, scan, minute: Number(minute) };
}
