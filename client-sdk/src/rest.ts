import type { ErrorCode } from '@liveticker/schemas';

/** An error answer of the API (or a network failure, code `unavailable`). */
export class LivetickerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'LivetickerError';
  }
}

export interface RestOptions {
  baseUrl: string;
  token?: () => string | undefined;
  fetch?: typeof fetch;
  /** Send the session cookie (same-site pages). */
  credentials?: RequestCredentials;
  /**
   * Keep GET answers and revalidate them with `If-None-Match` (default: outside a browser). A
   * browser's HTTP cache already does this for the API's `no-cache` answers, and a header of our
   * own would cost a CORS preflight on every cross-origin read.
   */
  revalidate?: boolean;
}

/** Longest a conditional (polling) GET may take, ms. */
const POLL_TIMEOUT_MS = 15_000;
/** GET answers kept for revalidation (`If-None-Match`), the least recently used dropped first. */
const CACHED_ANSWERS = 64;

/** JSON over `fetch` against /api/v1, turning error bodies into LivetickerError. */
export class RestClient {
  private readonly fetchFn: typeof fetch;
  /**
   * Answers that came with an ETag (the public reads), by URL and token: asked again, they are
   * revalidated, and a 304 (nothing changed in the stream) costs no body.
   */
  private readonly cache = new Map<string, { etag: string; text: string }>();

  constructor(private readonly opts: RestOptions) {
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async request<T>(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>): Promise<T> {
    const url = new URL(`${this.opts.baseUrl.replace(/\/$/, '')}/api/v1${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    const token = this.opts.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const key = method === 'GET' && (this.opts.revalidate ?? typeof document === 'undefined') ? `${token ?? ''} ${url.href}` : undefined;
    const cached = key === undefined ? undefined : this.cache.get(key);
    if (cached) headers['if-none-match'] = cached.etag;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: this.opts.credentials,
      });
    } catch (err) {
      throw new LivetickerError('unavailable', `cannot reach the server: ${(err as Error).message}`);
    }
    if (res.status === 304 && key !== undefined && cached) {
      this.remember(key, cached);
      // Parsed anew: a caller may change what it was given.
      return JSON.parse(cached.text) as T;
    }
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const e = (json as { error?: { code: ErrorCode; message: string; details?: unknown } })?.error;
      throw new LivetickerError(e?.code ?? 'internal', e?.message ?? res.statusText, res.status, e?.details);
    }
    const etag = res.headers.get('etag');
    if (key !== undefined) {
      if (etag && text) this.remember(key, { etag, text });
      else this.cache.delete(key);
    }
    return json as T;
  }

  private remember(key: string, answer: { etag: string; text: string }): void {
    this.cache.delete(key);
    this.cache.set(key, answer);
    if (this.cache.size > CACHED_ANSWERS) this.cache.delete(this.cache.keys().next().value!);
  }

  /**
   * A GET that sends `If-None-Match` with a known ETag: resolves 'not-modified' on a 304, else
   * the body and its ETag (if the server sent one).
   */
  async getConditional<T>(path: string, query: Record<string, string | number | undefined>, etag: string | undefined): Promise<{ body: T; etag?: string } | 'not-modified'> {
    const url = new URL(`${this.opts.baseUrl.replace(/\/$/, '')}/api/v1${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (etag) headers['if-none-match'] = etag;
    let res: Response;
    try {
      // A black-holed request must not stall polling for every stream.
      res = await this.fetchFn(url, { headers, credentials: this.opts.credentials, signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
    } catch (err) {
      throw new LivetickerError('unavailable', `cannot reach the server: ${(err as Error).message}`);
    }
    if (res.status === 304) return 'not-modified';
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const e = (json as { error?: { code: ErrorCode; message: string; details?: unknown } })?.error;
      throw new LivetickerError(e?.code ?? (res.status === 404 ? 'not_found' : 'unavailable'), e?.message ?? res.statusText, res.status, e?.details);
    }
    return { body: json as T, etag: res.headers.get('etag') ?? undefined };
  }

  get<T>(path: string, query?: Record<string, string | number | undefined>) {
    return this.request<T>('GET', path, undefined, query);
  }
  post<T>(path: string, body: unknown) {
    return this.request<T>('POST', path, body);
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T>(path: string) {
    return this.request<T>('DELETE', path);
  }
}
