import { spawn } from 'node:child_process';
import path from 'node:path';
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

  it('says what went wrong, with the error code, and exits 1', async () => {
    const missing = await run('post', 'nope', 'text');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('liveticker: not_found: no ticker nope\n');
    const noKey = await runWith({ LIVETICKER_TOKEN: '' }, 'post', 'budget', 'x');
    expect(noKey.stderr).toBe('liveticker: login_required: log in to do this\n');
  });
});
