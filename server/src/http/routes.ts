import type { Express } from 'express';

/** One route the app answers: an uppercase method and its full path pattern (`/api/v1/tickers/:id`). */
export interface RouteEntry {
  method: string;
  path: string;
}

/** What router 2.3's `listRoutes()` returns, as far as we use it. */
interface Listable {
  listRoutes?(): Array<{ path: string | RegExp; methods?: string[]; router?: Listable }>;
}

function join(prefix: string, path: string): string {
  const full = `${prefix}/${path}`.replace(/\/+/g, '/');
  return full.length > 1 ? full.replace(/\/$/, '') : full;
}

function walk(router: Listable, prefix: string, out: RouteEntry[]): void {
  if (typeof router.listRoutes !== 'function') throw new Error(`the router mounted at ${prefix || '/'} cannot list its routes`);
  for (const r of router.listRoutes()) {
    // A RegExp path has no name to check coverage against: refuse rather than skip it.
    if (typeof r.path !== 'string') throw new Error(`a route under ${prefix || '/'} has a RegExp path (${String(r.path)})`);
    const path = join(prefix, r.path);
    if (r.router) {
      walk(r.router, path, out);
      continue;
    }
    const methods = r.methods ?? [];
    for (const method of methods) {
      // The automatic HEAD of a GET is not a route of its own.
      if (method === 'HEAD' && methods.includes('GET')) continue;
      out.push({ method, path });
    }
  }
}

/**
 * Every route of the app with mounted routers expanded (router 2.3's `listRoutes()`), for
 * coverage checks such as the authorization matrix. Plain middleware (static files, CORS, the
 * 404) is not a route and is not listed. Throws instead of listing fewer routes than there are.
 */
export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  walk(app.router as unknown as Listable, '', out);
  return out;
}
