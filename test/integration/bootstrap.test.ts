import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/src/config';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { ServerProcess } from '../helpers/process';
import { raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '../..');

describe('configuration', () => {
  it('names every bad variable on its own line', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://db/x', REDIS_URL: 'localhost:6379', LOG_LEVEL: 'loud', ADMIN_API_KEY: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).problems;
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['ADMIN_API_KEY', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'REDIS_URL']);
    expect(lines.find((l) => l.startsWith('PORT'))).toContain('"eighty"');
  });

  it('refuses to start with a bad variable, saying which', () => {
    const res = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/src/main.ts')], {
      env: { ...process.env, PORT: '-1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/invalid configuration:\n\s+PORT: /);
  });
});

describe('the ops key without ADMIN_API_KEY', () => {
  it('is created once beside the SQLite file (a container’s volume), mode 0600, and works', async () => {
    const db = await createTestDatabase('sqlite');
    const server = await ServerProcess.start({ DATABASE_URL: db.url, ADMIN_API_KEY: '' });
    try {
      const file = path.join(path.dirname(db.url), 'ops-key');
      expect(fs.existsSync(file)).toBe(true);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const key = fs.readFileSync(file, 'utf8').trim();
      expect((await raw(server.url, 'POST', '/tickers', { title: 'With the stored key' }, { authorization: `Bearer ${key}` })).status).toBe(201);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});

describe('an ops-key file shorter than ADMIN_API_KEY may be', () => {
  it('is refused at start with a line naming the file, and the server does not serve', async () => {
    const db = await createTestDatabase('sqlite');
    const file = path.join(path.dirname(db.url), 'ops-key');
    try {
      // Someone "simplified" the key by hand: 15 characters, one short of the minimum.
      fs.writeFileSync(file, 'fifteen-chars-1\n', { mode: 0o600 });
      const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: db.url, ADMIN_API_KEY: '', PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`liveticker: invalid configuration:\n  ${file}: the ops key in this file has 15 characters, it must have at least 16`);
      expect(res.stdout).not.toMatch(/listening/);
      // The file is left as it was: the operator decides what the key is.
      expect(fs.readFileSync(file, 'utf8')).toBe('fifteen-chars-1\n');
    } finally {
      await db.drop();
    }
  });
});

describe('dev mode without SMTP_URL', () => {
  it('says so at start and logs the verification link instead of mailing it, but never a password reset link', async () => {
    const db = await createTestDatabase('sqlite');
    const server = await ServerProcess.start({ DATABASE_URL: db.url, LOG_LEVEL: 'trace', SCRYPT_LOG_N: '10', PUBLIC_URL: 'http://news.example' });
    try {
      expect(server.log).toContain('SMTP_URL is not set: dev mode');
      await raw(server.url, 'POST', '/auth/register', { email: 'dev@example.org', password: 'a long secret', displayName: 'Dev' });
      const token = await waitFor(() => /http:\/\/news\.example\/verify-email\?token=(ltv_[\w-]+)/.exec(server.log)?.[1], 'the link in the log');
      expect((await raw(server.url, 'POST', '/auth/verify', { token, password: 'a long secret' })).status).toBe(200);
      // A reset link in the log would let whoever reads it take the account.
      expect((await raw(server.url, 'POST', '/auth/password-reset', { email: 'dev@example.org' })).status).toBe(202);
      await waitFor(() => server.log.includes('a password reset link was made'), 'the reset noted in the log');
      expect(server.log).not.toContain('reset-password?token=');
      // The one token in the log is the verification link's (which the developer used).
      expect(server.log.split(token!).join('')).not.toMatch(/ltv_[\w-]{20}/);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});

describe('a production start without a mail server (security review, finding 2)', () => {
  it.each([
    ['NODE_ENV=production, SMTP_URL empty as deploy/compose.yaml leaves it', { NODE_ENV: 'production', SMTP_URL: '' }],
    ['an https PUBLIC_URL', { PUBLIC_URL: 'https://live.example.org' }],
  ])('is refused with one line naming SMTP_URL: %s', (_what, env) => {
    const res = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/src/main.ts')], {
      env: { ...process.env, ...env, MAIL_TRANSPORT: '', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^liveticker: invalid configuration:\n {2}SMTP_URL: required in production [^\n]*MAIL_TRANSPORT=log[^\n]*\n$/);
  });

  it('with MAIL_TRANSPORT=log it starts, says so, and no link of any mail reaches the log at any level', async () => {
    const db = await createTestDatabase('sqlite');
    const server = await ServerProcess.start({
      DATABASE_URL: db.url,
      NODE_ENV: 'production',
      MAIL_TRANSPORT: 'log',
      PUBLIC_URL: 'https://news.example',
      LOG_LEVEL: 'trace',
      LOG_FORMAT: 'json',
      SCRYPT_LOG_N: '10',
    });
    try {
      expect(server.log).toContain('MAIL_TRANSPORT=log: mails are not sent and their links are not logged');
      const reader = { email: 'prod@example.org', password: 'a long secret', displayName: 'Prod' };
      expect((await raw(server.url, 'POST', '/auth/register', reader)).status).toBe(202);
      await waitFor(() => server.log.includes('an address confirmation link was made'), 'the confirmation noted');
      expect((await raw(server.url, 'POST', '/auth/password-reset', { email: reader.email })).status).toBe(202);
      await waitFor(() => server.log.includes('a password reset link was made'), 'the reset noted');
      expect((await raw(server.url, 'POST', '/auth/register', { ...reader, displayName: 'Someone else' })).status).toBe(202);
      await waitFor(() => server.log.includes('someone tried to register this address again'), 'the second registration noted');
      expect(server.log).not.toContain('token=');
      expect(server.log).not.toMatch(/ltv_[\w-]{20}/);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});

describe('the first admin', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await server?.stop();
    await db.drop();
  });

  it('comes from user:create (password on stdin) or from ADMIN_EMAIL/ADMIN_PASSWORD on first start', async () => {
    const created = spawnSync(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [path.join(ROOT, 'scripts/user-create.ts'), '--email', 'Chief@Example.org', '--role', 'editor', '--name', 'Chief Editor'],
      { env: { ...process.env, DATABASE_URL: db.url, SCRYPT_LOG_N: '12' }, input: 'editor password\n', encoding: 'utf8', timeout: 30_000 },
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^created editor chief@example.org/);

    server = await ServerProcess.start({ DATABASE_URL: db.url, ADMIN_EMAIL: 'boss@example.org', ADMIN_PASSWORD: 'boss password', SCRYPT_LOG_N: '12' });
    const boss = await raw(server.url, 'POST', '/auth/login', { email: 'boss@example.org', password: 'boss password' });
    expect(boss.body.user).toMatchObject({ role: 'admin', emailVerifiedAt: expect.any(String) });
    const chief = await raw(server.url, 'POST', '/auth/login', { email: 'chief@example.org', password: 'editor password' });
    expect(chief.body.user).toMatchObject({ role: 'editor', displayName: 'Chief Editor' });
    const users = await raw(server.url, 'GET', '/users', undefined, { authorization: `Bearer ${boss.body.token}` });
    expect(users.body.items.map((u: { email: string }) => u.email).sort()).toEqual(['boss@example.org', 'chief@example.org']);
  });
});
