import { listRoutes } from '@liveticker/server';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi } from '../helpers/api';
import { OPS_KEY } from '../helpers/server';

/**
 * Every answer this origin gives that a browser would show as a document (`text/html`, anything
 * `+xml`) carries a Content-Security-Policy: an injected element in a page, a feed or a fragment
 * must not run in the origin where the console's cookie lives. The routes come from the app's own
 * route list, so a new route is checked without being named here.
 */
describe('a CSP on every document this origin serves', () => {
  let t: TestSetup;
  let entryId: string;
  beforeAll(async () => {
    t = await setup('sqlite');
    const api = opsApi(t.url);
    await api.createTicker({ id: 'csp', title: 'CSP', status: 'live', locale: 'en' });
    entryId = (await api.post('csp', { title: 'One', body: '<p>One</p>' })).id;
  });
  afterAll(() => t.close());

  /** A path for a route pattern, its parameters filled with things that exist. */
  const fill = (path: string) =>
    path
      .replace(/:entryId\b/g, entryId)
      .replace(/:id\b/g, 'csp')
      .replace(/:tickerId\b/g, 'csp')
      .replace(/:format\b/g, 'rss')
      .replace(/:[a-zA-Z]+/g, 'x');

  const isDocument = (type: string | null) => !!type && /^(text\/html|[^;]*\+xml)/.test(type);

  it('every GET route, asked by anyone and by the ops key, and the answers for what is not there', async () => {
    const routes = listRoutes(t.node.server.app).filter((r) => r.method === 'GET');
    const paths = [
      ...routes.map((r) => fill(r.path)),
      // The known documents, with what they are asked for.
      '/widgets/ticker.html?ticker=csp',
      '/widgets/live.html?ticker=csp',
      '/api/v1/tickers/csp/feed.rss',
      '/api/v1/tickers/csp/feed.atom',
      '/api/v1/tickers/csp/fragment',
      '/api/v1/tickers/csp/html',
      // Errors and strays.
      '/no/such/page.html',
      '/widgets/ticker.html?ticker=nope',
      '/sdk/nothing-here.html',
      '/api/v1/tickers/nope/html',
    ];
    let documents = 0;
    const missing: string[] = [];
    for (const path of paths) {
      for (const headers of [{}, { authorization: `Bearer ${OPS_KEY}` }] as Array<Record<string, string>>) {
        const res = await fetch(`${t.url}${path}`, { headers: { accept: 'text/html,*/*', ...headers } });
        await res.arrayBuffer();
        const csp = res.headers.get('content-security-policy');
        if (!csp) missing.push(`${path} (${res.status}, ${res.headers.get('content-type')})`);
        if (isDocument(res.headers.get('content-type'))) documents++;
      }
    }
    expect(missing).toEqual([]);
    // The crawl reached the documents it is about.
    expect(documents).toBeGreaterThanOrEqual(12);
  });

  it('the fragment and the feeds run nothing: no script source, sandboxed', async () => {
    for (const path of ['fragment', 'feed.rss', 'feed.atom']) {
      const res = await fetch(`${t.url}/api/v1/tickers/csp/${path}`);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/\bsandbox\b/);
      expect(csp).not.toMatch(/script-src/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('an answer that is not a page still cannot become one: JSON and errors carry the strict default', async () => {
    for (const path of ['/api/v1/tickers/csp', '/api/v1/nothing', '/healthz']) {
      const csp = (await fetch(`${t.url}${path}`)).headers.get('content-security-policy');
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/\bsandbox\b/);
    }
  });
});
