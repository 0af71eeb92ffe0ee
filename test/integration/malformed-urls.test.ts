import { listRoutes } from '@liveticker/server';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';

/**
 * A malformed percent escape (`%E0%A4` is half a character, a lone `%` none) in a path or a query
 * is the client's mistake: a 400 or a 404, never a 500 with a stack in the log. Every route of the
 * app is asked with one in each of its parameters and in the usual query values.
 */
describe('malformed percent escapes in paths and queries', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite');
    await opsApi(t.url).createTicker({ id: 'pct', title: 'Percent', status: 'live', locale: 'en' });
  });
  afterAll(() => t.close());

  const BAD = ['%E0%A4', '%', '%zz', '%C0%AF'];

  it('every route, with a bad escape in each parameter and in its query, answers 4xx', async () => {
    const routes = listRoutes(t.node.server.app);
    const failures: string[] = [];
    let asked = 0;
    for (const route of routes) {
      for (const bad of BAD) {
        const params = route.path.match(/:[a-zA-Z]+/g) ?? [];
        const paths = params.length
          ? params.map((p) => route.path.replace(p, bad).replace(/:[a-zA-Z]+/g, 'pct'))
          : [route.path];
        for (const path of paths) {
          const url = `${t.url}${path}?q=${bad}&cursor=${bad}&order=${bad}&since=${bad}&url=${bad}&ticker=${bad}`;
          for (const auth of [{}, { authorization: `Bearer ${OPS_KEY}` }] as Array<Record<string, string>>) {
            const res = await fetch(url, {
              method: route.method,
              headers: { ...auth, ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { 'content-type': 'application/json' }) },
              body: route.method === 'GET' || route.method === 'HEAD' ? undefined : '{}',
            });
            await res.arrayBuffer();
            asked++;
            if (res.status >= 500) failures.push(`${route.method} ${path} → ${res.status}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(asked).toBeGreaterThan(100);
  });

  it('oEmbed for a page whose ticker id is a malformed escape: 404, as for any page that is not there', async () => {
    for (const bad of BAD) {
      for (const page of [`${t.url}/api/v1/tickers/${bad}/html`, `${t.url}/widgets/ticker.html?ticker=${bad}`]) {
        const res = await fetch(`${t.url}/api/v1/oembed?url=${encodeURIComponent(page)}`);
        expect(res.status).toBe(404);
        expect((await res.json()).error.code).toBe('not_found');
      }
    }
    // The same page with a good id is found.
    const ok = await fetch(`${t.url}/api/v1/oembed?url=${encodeURIComponent(`${t.url}/api/v1/tickers/pct/html`)}`);
    expect(ok.status).toBe(200);
  });
});
