#!/usr/bin/env node
// The newsroom console: write and watch tickers from a terminal.
//   npm run console -- --help
// URL and token come from --url/--token or LIVETICKER_URL/LIVETICKER_TOKEN (an API token from
// POST /api/v1/me/tokens, or the ops key).
import { Command, Option } from 'commander';
import type { Entry, EntryList, Ticker } from '@liveticker/schemas';
import { createClient } from '../client';
import { LivetickerError, RestClient } from '../rest';

const out = (line: string) => process.stdout.write(`${line}\n`);

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plain text becomes paragraphs; `--html` passes HTML through (the server sanitizes it). */
function toBody(words: string[], html: boolean): string {
  const text = words.join(' ');
  if (html) return text;
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

function plain(html: string): string {
  return html.replace(/<br\s*\/?>/g, '\n').replace(/<\/p>\s*<p>/g, '\n').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function line(e: Entry): string {
  const time = new Date(e.publishedAt).toISOString().slice(11, 16);
  const flags = [e.pinned ? 'pinned' : '', e.kind !== 'text' ? e.kind : ''].filter(Boolean).join(',');
  return `${time}  ${e.id}  v${e.version}${flags ? ` [${flags}]` : ''}  ${e.title ? `${e.title} — ` : ''}${plain(e.body).slice(0, 120)}`;
}

const program = new Command()
  .name('liveticker')
  .description('Write and watch live tickers')
  .addOption(new Option('--url <url>', 'server URL').env('LIVETICKER_URL').default('http://localhost:3000'))
  .addOption(new Option('--token <token>', 'API token or ops key').env('LIVETICKER_TOKEN'))
  .showHelpAfterError();

function rest(): RestClient {
  const { url, token } = program.opts<{ url: string; token?: string }>();
  return new RestClient({ baseUrl: url, token: () => token });
}

program
  .command('tickers')
  .description('list tickers, newest first')
  .option('--status <status>', 'scheduled | live | ended')
  .action(async (o: { status?: string }) => {
    const list = await rest().get<{ items: Ticker[] }>('/tickers', { status: o.status, limit: 100 });
    for (const t of list.items) out(`${t.id}  [${t.status}]  ${t.title}`);
  });

program
  .command('create <title...>')
  .description('create a ticker')
  .option('--id <slug>', 'id (made from the title when absent)')
  .option('--status <status>', 'scheduled | live | ended', 'scheduled')
  .option('--locale <locale>', 'de | en | ru', 'de')
  .action(async (title: string[], o: { id?: string; status: string; locale: string }) => {
    const t = await rest().post<Ticker>('/tickers', { title: title.join(' '), id: o.id, status: o.status, locale: o.locale });
    out(`created ${t.id} [${t.status}]`);
  });

program
  .command('status <ticker> <status>')
  .description('set a ticker scheduled, live or ended')
  .action(async (ticker: string, status: string) => {
    const t = await rest().patch<Ticker>(`/tickers/${ticker}`, { status });
    out(`${t.id} is ${t.status}`);
  });

program
  .command('entries <ticker>')
  .description('list entries')
  .option('--order <order>', 'newest | oldest', 'newest')
  .option('--limit <n>', 'how many', '20')
  .action(async (ticker: string, o: { order: string; limit: string }) => {
    const list = await rest().get<EntryList>(`/tickers/${ticker}/entries`, { order: o.order, limit: o.limit });
    for (const e of list.pinned) out(line(e));
    for (const e of list.items) out(line(e));
  });

program
  .command('post <ticker> <text...>')
  .description('post an entry (plain text unless --html)')
  .option('--title <title>')
  .option('--kind <kind>', 'text | key-event | quote | teaser | image', 'text')
  .option('--html', 'the text is HTML')
  .option('--pin', 'pin the entry')
  .option('--image <url>')
  .option('--caption <caption>')
  .option('--credit <credit>')
  .action(async (ticker: string, text: string[], o: { title?: string; kind: string; html?: boolean; pin?: boolean; image?: string; caption?: string; credit?: string }) => {
    const e = await rest().post<Entry>(`/tickers/${ticker}/entries`, {
      kind: o.kind,
      title: o.title,
      body: toBody(text, Boolean(o.html)),
      pinned: Boolean(o.pin),
      ...(o.image ? { image: { url: o.image, caption: o.caption, credit: o.credit } } : {}),
    });
    out(`posted ${e.id}`);
  });

/** Edits with the version it just read, so a concurrent edit is a clear conflict, not a lost update. */
async function edit(ticker: string, id: string, change: Record<string, unknown>): Promise<Entry> {
  const api = rest();
  const current = await api.get<Entry>(`/tickers/${ticker}/entries/${id}`);
  return api.patch<Entry>(`/tickers/${ticker}/entries/${id}`, { version: current.version, ...change });
}

program
  .command('edit <ticker> <entryId> <text...>')
  .description('replace an entry’s text')
  .option('--html', 'the text is HTML')
  .action(async (ticker: string, id: string, text: string[], o: { html?: boolean }) => {
    const e = await edit(ticker, id, { body: toBody(text, Boolean(o.html)) });
    out(`edited ${e.id} (v${e.version})`);
  });

program.command('pin <ticker> <entryId>').action(async (ticker: string, id: string) => {
  out(`pinned ${(await edit(ticker, id, { pinned: true })).id}`);
});
program.command('unpin <ticker> <entryId>').action(async (ticker: string, id: string) => {
  out(`unpinned ${(await edit(ticker, id, { pinned: false })).id}`);
});
program.command('delete <ticker> <entryId>').action(async (ticker: string, id: string) => {
  out(`deleted ${(await rest().delete<Entry>(`/tickers/${ticker}/entries/${id}`)).id}`);
});

program
  .command('watch <ticker>')
  .description('print entries as they are posted, edited and deleted (Ctrl-C to stop)')
  .action(async (ticker: string) => {
    const { url, token } = program.opts<{ url: string; token?: string }>();
    const client = createClient({ url, token });
    const view = client.ticker(ticker, { order: 'newest', pageSize: 10 });
    await view.ready;
    for (const e of [...view.entries].reverse()) out(line(e));
    out(`-- watching ${ticker} (rev ${view.rev})`);
    view.on('change', (c) => {
      if (c.op === 'insert') out(`+ ${line(c.item)}`);
      else if (c.op === 'update') out(`~ ${line(c.item)}`);
      else if (c.op === 'remove') out(`- ${c.item.id}`);
      else if (c.op === 'ticker') out(`* ticker is ${c.ticker.status}: ${c.ticker.title}`);
      else if (c.op === 'pinned') out(`* pinned: ${c.pinned.map((e) => e.id).join(', ') || 'none'}`);
    });
    client.on('disconnect', () => out('-- connection lost, reconnecting'));
    process.on('SIGINT', () => {
      client.close();
      process.exit(0);
    });
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof LivetickerError) process.stderr.write(`liveticker: ${err.code}: ${err.message}\n`);
  else process.stderr.write(`liveticker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
