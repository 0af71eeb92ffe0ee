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
