#!/usr/bin/env node
// The newsroom console: write and watch tickers from a terminal.
//   npm run console -- --help
// URL and token come from --url/--token or LIVETICKER_URL/LIVETICKER_TOKEN (an API token from
// POST /api/v1/me/tokens, or the ops key).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { Entry, EntryList, EntryTemplate, Message, MessageList, Report, Ticker } from '@liveticker/schemas';
import { createClient } from '../client';
import { LivetickerError, RestClient } from '../rest';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

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
  const plan = e.status === 'scheduled' && e.publishAt ? `scheduled ${e.publishAt}` : e.status === 'draft' ? 'draft' : '';
  const flags = [plan, e.pinned ? 'pinned' : '', e.kind !== 'text' ? e.kind : ''].filter(Boolean).join(',');
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
  .option('--drafts', 'the drafts instead (editors)')
  .option('--scheduled', 'the scheduled entries instead, with their times (editors)')
  .option('--search <words>', 'only entries with these words (or word beginnings) in title or text, any case or accent')
  .action(async (ticker: string, o: { order: string; limit: string; drafts?: boolean; scheduled?: boolean; search?: string }) => {
    const status = o.drafts ? 'draft' : o.scheduled ? 'scheduled' : undefined;
    const list = await rest().get<EntryList>(`/tickers/${ticker}/entries`, { order: o.order, limit: o.limit, status, q: o.search });
    for (const e of list.pinned) out(line(e));
    for (const e of list.items) out(line(e));
  });

interface Uploaded {
  id: string;
  url: string;
  width: number;
  height: number;
  contentType: string;
}

/** Uploads a picture file (POST /media): the server reads its type, resizes it and drops its metadata. */
async function uploadFile(file: string): Promise<Uploaded> {
  const { url, token } = program.opts<{ url: string; token?: string }>();
  const data = await readFile(file);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)]), path.basename(file));
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}/api/v1/media`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new LivetickerError('unavailable', `cannot reach the server: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: { code: LivetickerError['code']; message: string } } & Uploaded;
  if (!res.ok) throw new LivetickerError(body.error?.code ?? 'internal', body.error?.message ?? res.statusText, res.status);
  return body;
}

program
  .command('upload <file>')
  .description('upload a picture (JPEG, PNG, WebP, GIF); prints its URL and size for --image')
  .action(async (file: string) => {
    const m = await uploadFile(file);
    out(`${m.url}  ${m.width}x${m.height}  ${m.contentType}`);
  });

const templateLine = (x: EntryTemplate) => `${x.id}  ${x.tickerId ?? '(newsroom)'}  [${x.kind}]  ${x.name}${x.title ? ` — ${x.title}` : ''}`;

program
  .command('templates')
  .description("entry templates: the newsroom-wide ones, or with --ticker those the ticker's desk can use (its own and the newsroom's)")
  .option('--ticker <id>', 'a ticker')
  .action(async (o: { ticker?: string }) => {
    const list = await rest().get<{ items: EntryTemplate[] }>(o.ticker ? `/tickers/${o.ticker}/templates` : '/templates');
    for (const x of list.items) out(templateLine(x));
  });

/** A template the ticker's desk can use, by id or by name (any case; the ticker's own before the newsroom's). */
async function findTemplate(ticker: string, wanted: string): Promise<EntryTemplate> {
  const { items } = await rest().get<{ items: EntryTemplate[] }>(`/tickers/${ticker}/templates`);
  const key = (name: string) => name.normalize('NFC').toLowerCase();
  const found = items.find((x) => x.id === wanted) ?? items.find((x) => key(x.name) === key(wanted.trim()));
  if (!found) throw new Error(`no template "${wanted}" for ${ticker} (see: templates --ticker ${ticker})`);
  return found;
}

program
  .command('post <ticker> [text...]')
  .description('post an entry (plain text unless --html); --template fills kind, title and body, the options and text given override them')
  .option('--template <idOrName>', "start from a template of the ticker's desk (its id or name)")
  .option('--title <title>')
  .option('--kind <kind>', 'text | key-event | quote | teaser | image (default: the template\'s, or text)')
  .option('--html', 'the text is HTML')
  .option('--pin', 'pin the entry')
  .option('--image <url>', 'a picture by URL')
  .option('--image-file <file>', 'a picture file: uploaded first (its size is kept with the entry)')
  .option('--caption <caption>')
  .option('--credit <credit>')
  .option('--credit-url <url>', 'where the credit links to')
  .option('--embed <url>', 'a post or video of another site (YouTube, X, Instagram, TikTok, Bluesky, Mastodon …); --caption and --credit go with it when there is no picture')
  .option('--teaser-url <url>', 'a related article')
  .option('--teaser-title <title>', "the related article's title")
  .option('--draft', 'keep it as a draft, unseen by readers (publish it later with `publish`)')
  .option('--at <time>', 'schedule it: an ISO time (2026-11-03T20:00:00Z) or +N minutes (+15)')
  .action(
    async (
      ticker: string,
      text: string[],
      o: {
        template?: string;
        title?: string;
        kind?: string;
        html?: boolean;
        pin?: boolean;
        image?: string;
        imageFile?: string;
        caption?: string;
        credit?: string;
        creditUrl?: string;
        embed?: string;
        teaserUrl?: string;
        teaserTitle?: string;
        draft?: boolean;
        at?: string;
      },
    ) => {
      if (o.draft && o.at) throw new Error('a post is a --draft or scheduled --at a time, not both');
      const publishAt = o.at === undefined ? undefined : whenFrom(o.at);
      if (Boolean(o.teaserUrl) !== Boolean(o.teaserTitle)) throw new Error('a teaser needs both --teaser-url and --teaser-title');
      if (text.length === 0 && !o.template && !o.embed) throw new Error('post needs a text (or --template, or --embed)');
      const template = o.template ? await findTemplate(ticker, o.template) : undefined;
      const picture = o.imageFile ? await uploadFile(o.imageFile) : o.image ? { url: o.image } : undefined;
      const e = await rest().post<Entry>(`/tickers/${ticker}/entries`, {
        kind: o.kind ?? template?.kind ?? 'text',
        title: o.title ?? template?.title ?? undefined,
        body: text.length > 0 ? toBody(text, Boolean(o.html)) : template ? template.body : '',
        pinned: Boolean(o.pin),
        ...(picture
          ? { image: { url: picture.url, width: 'width' in picture ? picture.width : undefined, height: 'height' in picture ? picture.height : undefined, caption: o.caption, credit: o.credit, creditUrl: o.creditUrl } }
          : {}),
        ...(o.embed ? { embed: { url: o.embed, ...(picture ? {} : { caption: o.caption, credit: o.credit }) } } : {}),
        ...(o.teaserUrl ? { teaser: { url: o.teaserUrl, title: o.teaserTitle } } : {}),
        ...(o.draft ? { status: 'draft' } : {}),
        ...(publishAt ? { status: 'scheduled', publishAt } : {}),
      });
      out(`${e.status === 'draft' ? `saved draft ${e.id}` : e.status === 'scheduled' ? `scheduled ${e.id} for ${e.publishAt}` : `posted ${e.id}`}${e.embed ? ` (embed: ${e.embed.provider})` : ''}`);
    },
  );

/** `--at`: an ISO time, or `+N` minutes from now. */
function whenFrom(at: string): string {
  const rel = /^\+(\d{1,6})$/.exec(at.trim());
  const t = rel ? Date.now() + Number(rel[1]) * 60_000 : Date.parse(at);
  if (Number.isNaN(t)) throw new Error(`--at takes an ISO time (2026-11-03T20:00:00Z) or +minutes (+15), not "${at}"`);
  return new Date(t).toISOString();
}

program
  .command('publish <ticker> <entryId>')
  .description('publish a draft or a scheduled entry now')
  .action(async (ticker: string, id: string) => out(`published ${(await edit(ticker, id, { status: 'published' })).id}`));

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

// ---- chat and moderation ----

const msgLine = (m: Message) => `${new Date(m.createdAt).toISOString().slice(11, 16)}  ${m.id}  [${m.status}]  ${m.author.displayName} (${m.author.id}): ${m.body}`;

program
  .command('messages <ticker>')
  .description('list chat messages, newest first')
  .option('--limit <n>', 'how many', '20')
  .action(async (ticker: string, o: { limit: string }) => {
    const list = await rest().get<MessageList>(`/tickers/${ticker}/messages`, { order: 'newest', limit: o.limit });
    for (const m of list.items) out(msgLine(m));
  });

program
  .command('say <ticker> <text...>')
  .description('post a chat message as the token’s user')
  .action(async (ticker: string, text: string[]) => {
    const m = await rest().post<Message>(`/tickers/${ticker}/messages`, { body: text.join(' '), clientId: randomUUID() });
    out(`said ${m.id} [${m.status}]`);
  });

program
  .command('queue <ticker>')
  .description('held messages and open reports (moderator)')
  .action(async (ticker: string) => {
    const q = await rest().get<{ held: Message[]; reports: Report[] }>(`/tickers/${ticker}/moderation/queue`);
    out(`held (${q.held.length}):`);
    for (const m of q.held) out(`  ${msgLine(m)}`);
    out(`reports (${q.reports.length}):`);
    for (const r of q.reports) out(`  ${r.id}  ${r.reason}${r.note ? ` (${r.note})` : ''}  on message ${r.messageId}, by ${r.reporter.displayName}`);
  });

for (const action of ['approve', 'reject'] as const) {
  program
    .command(`${action} <messageId>`)
    .description(`${action} a held message (moderator)`)
    .action(async (id: string) => out(`${action}d ${(await rest().post<Message>(`/messages/${id}/${action}`, {})).id}`));
}
program
  .command('delete-message <messageId>')
  .description('delete a message (moderator, or its author)')
  .action(async (id: string) => out(`deleted ${(await rest().delete<Message>(`/messages/${id}`)).id}`));
program
  .command('mute <userId>')
  .description('mute a user (moderator)')
  .option('--minutes <n>', 'for how long', '60')
  .option('--reason <reason>')
  .action(async (id: string, o: { minutes: string; reason?: string }) => {
    await rest().post(`/users/${id}/mute`, { minutes: Number(o.minutes), reason: o.reason });
    out(`muted ${id} for ${o.minutes} min`);
  });
program
  .command('ban <userId>')
  .description('ban a user; their sockets are cut off (moderator)')
  .option('--reason <reason>')
  .action(async (id: string, o: { reason?: string }) => {
    await rest().post(`/users/${id}/ban`, { reason: o.reason });
    out(`banned ${id}`);
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

/** What went wrong, and what to check: the URL it tried, the token, the field the server named. */
export function explain(err: unknown, url: string): string {
  if (!(err instanceof LivetickerError)) return `liveticker: ${err instanceof Error ? err.message : String(err)}`;
  // Validation errors name each field: `[{path, message}]`; others may name one (`{field}`).
  const d = err.details as Array<{ path: string; message: string }> | { field?: string } | undefined;
  const fields = Array.isArray(d) ? d.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ') : d?.field;
  const base = `liveticker: ${err.code}: ${err.message}${fields ? ` (${fields})` : ''}`;
  if (err.code === 'unavailable' && err.status === undefined) {
    return `${base}\n  tried ${url} — check --url (or LIVETICKER_URL), that the server runs there, and that nothing blocks the port`;
  }
  if (err.code === 'login_required' || err.code === 'invalid_token') return `${base}\n  check --token (or LIVETICKER_TOKEN): an API token from POST /api/v1/me/tokens, or the ops key`;
  if (err.code === 'forbidden') return `${base}\n  the token's user lacks the role for this`;
  return base;
}

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`${explain(err, program.opts<{ url: string }>().url)}\n`);
  process.exit(1);
});
