import { io as connectSocket } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
/** Polls until `check` returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with `promise`, or fails naming `what` after `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for a socket event, failing with `what` after `timeoutMs` (so a missing event names
 * itself instead of hanging the test until jest's own timeout).
 */
export function nextEvent<T = unknown>(emitter: object, event: string, what = event, timeoutMs = 10_000): Promise<T> {
  const on = emitter as unknown as { once(event: string, fn: (v: T) => void): unknown };
  return withTimeout(new Promise<T>((resolve) => on.once(event, resolve)), what, timeoutMs);
}

/**
 * Opens a bare Socket.IO socket (no reconnection) as if from `forwardedFor` behind the proxy, and
 * resolves whether its handshake was taken (true) or refused (false). The socket goes into
 * `opened` for the caller to close.
 */
export function handshakeOutcome(url: string, forwardedFor: string, opened: ClientSocket[]): Promise<boolean> {
  const s = connectSocket(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { 'x-forwarded-for': forwardedFor } });
  opened.push(s);
  return withTimeout(
    new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(true));
      s.once('connect_error', () => resolve(false));
    }),
    'socket outcome',
  );
}
