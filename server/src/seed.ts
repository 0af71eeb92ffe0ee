import type { AppContext } from './context';
import { OPS_ACTOR } from './auth/actor';
import { createEntry } from './tickers/entries.service';
import { createTicker } from './tickers/tickers.service';
import { anyTicker } from './tickers/tickers.repo';

export const DEMO_TICKER_ID = 'demo';

/** Seeds one live demo ticker into an empty database; does nothing when any ticker exists. */
export async function seedDemo(ctx: Pick<AppContext, 'db' | 'publisher' | 'logger' | 'config'>): Promise<boolean> {
  if (await anyTicker(ctx.db)) return false;
  await createTicker(ctx, OPS_ACTOR, {
    id: DEMO_TICKER_ID,
    title: 'Election night live',
    description: 'Results, reactions and analysis as they come in.',
    status: 'live',
    locale: 'en',
    coverageStart: new Date().toISOString(),
  });
  const entries = [
    { kind: 'key-event', title: 'Polls have closed', body: '<p>Voting has ended across the country. First projections are expected within minutes.</p>' },
    {
      kind: 'image',
      body: '<p>Queues outside a polling station in the city centre shortly before closing time.</p>',
      image: { url: `${ctx.config.publicUrl}/demo/polling-station.svg`, caption: 'Voters queueing before 6 pm', credit: 'Illustration: liveticker demo', width: 800, height: 450 },
    },
    { kind: 'quote', body: '<blockquote>"Whatever the result, tonight belongs to the voters."</blockquote><p>— the party chair in a first statement</p>' },
    {
      kind: 'teaser',
      body: '<p>Background: how the projections are made.</p>',
      teaser: { url: `${ctx.config.publicUrl}/widgets/live.html?ticker=demo&lang=en`, title: 'How election-night projections work', publishedAt: new Date().toISOString() },
    },
    { kind: 'text', title: 'Welcome', body: '<p>Good evening and welcome to our <strong>live coverage</strong> of election night.</p>', pinned: true },
  ];
  for (const entry of entries) await createEntry(ctx, OPS_ACTOR, DEMO_TICKER_ID, entry);
  ctx.logger.child({ module: 'seed' }).info({ ticker: DEMO_TICKER_ID }, 'seeded the demo ticker');
  return true;
}
