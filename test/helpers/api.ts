import { RestClient } from '@liveticker/client-sdk';
import type { Entry, Ticker } from '@liveticker/schemas';
import { OPS_KEY } from './server';

/** REST calls as the ops key (editor rights) against a test server. */
export function opsApi(url: string, token = OPS_KEY) {
  const rest = new RestClient({ baseUrl: url, token: () => token });
  return {
    rest,
    createTicker: (body: Record<string, unknown>) => rest.post<Ticker>('/tickers', body),
    post: (tickerId: string, body: Record<string, unknown>) => rest.post<Entry>(`/tickers/${tickerId}/entries`, body),
    edit: (tickerId: string, id: string, body: Record<string, unknown>) => rest.patch<Entry>(`/tickers/${tickerId}/entries/${id}`, body),
    remove: (tickerId: string, id: string) => rest.delete<Entry>(`/tickers/${tickerId}/entries/${id}`),
  };
}

/** A raw fetch returning status and JSON, for asserting error shapes. */
export async function raw(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body),
  });
  const text = await res.text();
  // JSON answers parsed; anything else (a feed) as its text.
  const json = /json/.test(res.headers.get('content-type') ?? '') || (!res.headers.get('content-type') && text !== '');
  return { status: res.status, body: text ? (json ? JSON.parse(text) : text) : undefined, headers: res.headers };
}
