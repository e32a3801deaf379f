// Calls to Linli's HTTP API with the session's bearer token, renewing it once when the
// server says it has expired.
import { AuthError, expiresSoon, refresh, type Session } from "./auth";

export class Api {
  constructor(
    private session: () => Session,
    private renewed: (s: Session) => void,
  ) {}

  private async token(): Promise<string> {
    let session = this.session();
    if (expiresSoon(session)) {
      session = await refresh(session);
      this.renewed(session);
    }
    return session.access_token;
  }

  /** Sends a request; JSON in (or a file as it is, with its type), the raw response out
   * (throws on a non-2xx status). */
  async fetch(path: string, init: { method?: string; body?: unknown; file?: Blob; fileType?: string } = {}): Promise<Response> {
    const type = init.file ? init.fileType || init.file.type || "application/octet-stream" : init.body === undefined ? null : "application/json";
    const send = async (token: string) =>
      fetch(path, {
        method: init.method ?? "GET",
        headers: {
          authorization: `Bearer ${token}`,
          ...(type ? { "content-type": type } : {}),
        },
        body: init.file ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
      });
    let response = await send(await this.token());
    if (response.status === 401) {
      const session = await refresh(this.session());
      this.renewed(session);
      response = await send(session.access_token);
    }
    if (!response.ok) throw await AuthError.from(response);
    return response;
  }

  async get<T>(path: string): Promise<T> {
    return (await (await this.fetch(path)).json()) as T;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return (await (await this.fetch(path, { method: "POST", body })).json()) as T;
  }

  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await (await this.fetch(path, { method: "PATCH", body })).json()) as T;
  }

  /** Posts a file as the request's body (`type`: its content type) and reads the JSON answer. */
  async upload<T>(path: string, file: Blob, type: string): Promise<T> {
    return (await (await this.fetch(path, { method: "POST", file, fileType: type })).json()) as T;
  }

  /** Downloads a file (exports) with the bearer token and hands it to the browser, under
   * the name the server gives it (which says the unit and period), else `filename`. */
  async download(path: string, filename: string): Promise<void> {
    const response = await this.fetch(path);
    filename = dispositionName(response.headers.get("content-disposition")) ?? filename;
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** The file name of a `Content-Disposition` header: RFC 5987's `filename*=UTF-8''…` first. */
export function dispositionName(header: string | null): string | null {
  if (!header) return null;
  const star = header.match(/filename\*\s*=\s*UTF-8''([^;]+)/i);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // a malformed encoding: fall back to the plain name
    }
  }
  const plain = header.match(/filename\s*=\s*"?([^";]+)"?/i);
  return plain ? plain[1].trim() : null;
}
