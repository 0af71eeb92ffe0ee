import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { OPS_KEY } from '../helpers/server';
import { raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(ROOT, 'client-sdk/src/cli/console.ts');

describe('the newsroom console (CLI)', () => {
  let t: TestSetup;
  let env: NodeJS.ProcessEnv;
  /** Runs the CLI without blocking this process (the server under test lives here). */
  const runWith = (extra: NodeJS.ProcessEnv, ...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(TSX, [CLI, ...args], { env: { ...env, ...extra } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const run = (...args: string[]) => runWith({}, ...args);

  beforeAll(async () => {
    t = await setup('sqlite', 'memory');
    env = { ...process.env, LIVETICKER_URL: t.url, LIVETICKER_TOKEN: OPS_KEY };
  });
  afterAll(() => t.close());

  it('creates a ticker, posts, edits, pins and deletes entries while `watch` shows them live', async () => {
    expect((await run('create', 'Budget', 'debate', '--id', 'budget', '--status', 'live')).stdout).toBe('created budget [live]\n');
    const watch = spawn(TSX, [CLI, 'watch', 'budget'], { env });
    let seen = '';
    watch.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      await waitFor(() => seen.includes('-- watching budget'), 'watch started', 20_000);
      const posted = await run('post', 'budget', 'The minister <speaks> now', '--title', 'Debate opens');
      const id = /^posted (\S+)/.exec(posted.stdout)![1];
      await waitFor(() => seen.includes(`+ `) && seen.includes('Debate opens — The minister <speaks> now'), 'watch saw the entry');
      const stored = (await raw(t.url, 'GET', `/tickers/budget/entries/${id}`)).body;
      expect(stored.body).toBe('<p>The minister &lt;speaks&gt; now</p>');

      expect((await run('edit', 'budget', id, 'The minister has spoken')).stdout).toBe(`edited ${id} (v2)\n`);
      await waitFor(() => seen.includes('~ ') && seen.includes('The minister has spoken'), 'watch saw the edit');
      expect((await run('pin', 'budget', id)).stdout).toBe(`pinned ${id}\n`);
      await waitFor(() => seen.includes(`* pinned: ${id}`), 'watch saw the pin');
      expect((await run('entries', 'budget')).stdout).toMatch(new RegExp(`${id}\\s+v3 \\[pinned\\]`));
      expect((await run('delete', 'budget', id)).stdout).toBe(`deleted ${id}\n`);
      await waitFor(() => seen.includes('* pinned: none'), 'watch saw the delete');
      expect((await run('status', 'budget', 'ended')).stdout).toBe('budget is ended\n');
      await waitFor(() => seen.includes('* ticker is ended'), 'watch saw the status');
    } finally {
      watch.kill('SIGINT');
    }
  });

  it('lists entry templates and posts from one by id or name, the text and options given overriding it', async () => {
    await raw(t.url, 'POST', '/tickers', { id: 'derby', title: 'Derby', status: 'live' }, { authorization: `Bearer ${OPS_KEY}` });
    const own = (await raw(t.url, 'POST', '/templates', { tickerId: 'derby', name: 'Substitution', kind: 'text', title: 'Change', body: '<p>On: … Off: …</p>' }, { authorization: `Bearer ${OPS_KEY}` })).body;
    expect((await run('templates')).stdout).toBe('default-quote  (newsroom)  [quote]  Quote\ndefault-score-update  (newsroom)  [key-event]  Score update — Goal\n');
    expect((await run('templates', '--ticker', 'derby')).stdout).toBe(
      `default-quote  (newsroom)  [quote]  Quote\ndefault-score-update  (newsroom)  [key-event]  Score update — Goal\n${own.id}  derby  [text]  Substitution — Change\n`,
    );
    const entry = async (out: string) => (await raw(t.url, 'GET', `/tickers/derby/entries/${/^posted (\S+)/.exec(out)![1]}`)).body;

    const plain = await run('post', 'derby', '--template', 'score UPDATE');
    expect(plain.stderr).toBe('');
    expect(await entry(plain.stdout)).toMatchObject({ kind: 'key-event', title: 'Goal', body: '<p><strong>Home 1–0 Away</strong> – </p>' });
    const overridden = await run('post', 'derby', '<p><strong>Home 2–0 Away</strong> – a header</p>', '--html', '--template', 'default-score-update', '--title', 'Second goal');
    expect(await entry(overridden.stdout)).toMatchObject({ kind: 'key-event', title: 'Second goal', body: '<p><strong>Home 2–0 Away</strong> – a header</p>' });
    expect(await entry((await run('post', 'derby', 'Off: 9, on: 19', '--template', own.id, '--kind', 'key-event')).stdout)).toMatchObject({ kind: 'key-event', title: 'Change', body: '<p>Off: 9, on: 19</p>' });

    const unknown = await run('post', 'derby', '--template', 'Red card');
    expect({ status: unknown.status, stderr: unknown.stderr }).toEqual({ status: 1, stderr: 'liveticker: no template "Red card" for derby (see: templates --ticker derby)\n' });
    expect((await run('post', 'derby')).stderr).toBe('liveticker: post needs a text (or --template, or --embed)\n');
  });

  it('keeps drafts, schedules entries (ISO or +minutes), lists both and publishes a draft', async () => {
    await raw(t.url, 'POST', '/tickers', { id: 'plans', title: 'Plans', status: 'live' }, { authorization: `Bearer ${OPS_KEY}` });
    const draft = await run('post', 'plans', 'Not yet', '--draft');
    expect(draft.stdout).toMatch(/^saved draft (\S+)\n$/);
    const draftId = /^saved draft (\S+)/.exec(draft.stdout)![1];
    const at = new Date(Date.now() + 3600_000).toISOString();
    expect((await run('post', 'plans', 'At eight', '--at', at)).stdout).toMatch(new RegExp(`^scheduled \\S+ for ${at.replace(/\./g, '\\.')}\\n$`));
    const rel = await run('post', 'plans', 'In a quarter of an hour', '--at', '+15');
    expect(rel.stdout).toMatch(/^scheduled \S+ for /);
    // Readers see none of them; the desk lists them.
    expect((await raw(t.url, 'GET', '/tickers/plans/entries')).body.items).toEqual([]);
    expect((await run('entries', 'plans', '--drafts')).stdout).toContain(`${draftId}  v1 [draft]`);
    const planned = (await run('entries', 'plans', '--scheduled')).stdout;
    expect(planned).toContain(`scheduled ${at}`);
    expect(planned).toContain('In a quarter of an hour');
    expect((await run('publish', 'plans', draftId)).stdout).toBe(`published ${draftId}\n`);
    expect((await raw(t.url, 'GET', '/tickers/plans/entries')).body.items.map((e: { body: string }) => e.body)).toEqual(['<p>Not yet</p>']);
    expect((await run('entries', 'plans', '--search', 'not YET')).stdout).toContain(draftId);
    // Mistakes are named.
    expect((await run('post', 'plans', 'x', '--at', 'tonight')).stderr).toBe('liveticker: --at takes an ISO time (2026-11-03T20:00:00Z) or +minutes (+15), not "tonight"\n');
    expect((await run('post', 'plans', 'x', '--draft', '--at', '+5')).stderr).toBe('liveticker: a post is a --draft or scheduled --at a time, not both\n');
  });

  it('says what went wrong, with the error code, and exits 1', async () => {
    const missing = await run('post', 'nope', 'text');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('liveticker: not_found: no ticker nope\n');
    const noKey = await runWith({ LIVETICKER_TOKEN: '' }, 'post', 'budget', 'x');
    expect(noKey.stderr).toBe('liveticker: login_required: log in to do this\n  check --token (or LIVETICKER_TOKEN): an API token from POST /api/v1/me/tokens, or the ops key\n');
    // Nothing listens there: it names the URL it tried and what to check.
    const away = await runWith({ LIVETICKER_URL: 'http://127.0.0.1:9' }, 'tickers');
    expect(away.status).toBe(1);
    expect(away.stderr).toMatch(/^liveticker: unavailable: cannot reach the server: .+\n  tried http:\/\/127\.0\.0\.1:9 — check --url \(or LIVETICKER_URL\)/);
    // A refused field is named.
    const bad = await run('post', 'budget', 'x', '--teaser-url', 'not a url', '--teaser-title', 'T');
    expect(bad.stderr).toMatch(/^liveticker: validation_failed: .*\(teaser\.url: /);
  });

  it('uploads a picture file with an entry, adds a teaser, and works the chat: say, messages, queue, delete, mute, ban', async () => {
    await raw(t.url, 'POST', '/tickers', { id: 'cli-chat', title: 'CLI chat', status: 'live' }, { authorization: `Bearer ${OPS_KEY}` });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-cli-'));
    const file = path.join(dir, 'photo.jpg');
    fs.writeFileSync(file, await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#246' } }).jpeg().toBuffer());
    const posted = await run('post', 'cli-chat', 'Counting goes on', '--image-file', file, '--caption', 'The count', '--credit', 'Photo: desk', '--teaser-url', 'https://news.example.org/a', '--teaser-title', 'Background');
    expect(posted.stderr).toBe('');
    const id = /^posted (\S+)/.exec(posted.stdout)![1];
    const entry = (await raw(t.url, 'GET', `/tickers/cli-chat/entries/${id}`)).body;
    expect(entry.image).toMatchObject({ url: expect.stringMatching(/\/media\/.+-1280\.jpg$/), width: 1280, height: 720, caption: 'The count', credit: 'Photo: desk' });
    expect(entry.teaser).toMatchObject({ url: 'https://news.example.org/a', title: 'Background' });
    expect((await run('upload', file)).stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/\S+-1280\.jpg {2}1280x720 {2}image\/jpeg\n$/);
    fs.rmSync(dir, { recursive: true, force: true });

    const said = await run('say', 'cli-chat', 'Hello', 'readers');
    const msg = /^said (\S+) \[visible\]/.exec(said.stdout)![1];
    expect((await run('messages', 'cli-chat')).stdout).toContain(`${msg}  [visible]  Newsroom (ops): Hello readers`);
    expect((await run('queue', 'cli-chat')).stdout).toBe('held (0):\nreports (0):\n');
    expect((await run('delete-message', msg)).stdout).toBe(`deleted ${msg}\n`);
    const reader = (await raw(t.url, 'POST', '/users', { email: 'cli-reader@example.org', password: 'a long secret', displayName: 'Cli Reader', role: 'reader' }, { authorization: `Bearer ${OPS_KEY}` })).body;
    expect((await run('mute', reader.id, '--minutes', '15')).stdout).toBe(`muted ${reader.id} for 15 min\n`);
    expect((await run('ban', reader.id, '--reason', 'spam')).stdout).toBe(`banned ${reader.id}\n`);
    const user = (await raw(t.url, 'GET', '/users?limit=100', undefined, { authorization: `Bearer ${OPS_KEY}` })).body.items.find((u: { id: string }) => u.id === reader.id);
    expect(user).toMatchObject({ bannedAt: expect.any(String), mutedUntil: expect.any(String) });
  });
  it('posts a video of another site with --embed: the server recognised it, the caption and credit go with it', async () => {
    await raw(t.url, 'POST', '/tickers', { id: 'clips', title: 'Clips', status: 'live' }, { authorization: `Bearer ${OPS_KEY}` });
    const posted = await run('post', 'clips', '--embed', 'https://youtu.be/dQw4w9WgXcQ', '--caption', 'The speech', '--credit', 'Video: Phoenix');
    expect(posted.stderr).toBe('');
    const [, id, provider] = /^posted (\S+) \(embed: (\w+)\)\n$/.exec(posted.stdout)!;
    expect(provider).toBe('youtube');
    expect((await raw(t.url, 'GET', `/tickers/clips/entries/${id}`)).body.embed).toEqual({ provider: 'youtube', url: 'https://youtu.be/dQw4w9WgXcQ', id: 'dQw4w9WgXcQ', canonical: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', caption: 'The speech', credit: 'Video: Phoenix' });
    const refused = await run('post', 'clips', '--embed', 'javascript:alert(1)');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/embed\.url/);
  });
});
