import os from 'node:os';
import { createDeps, createServer, testConfig } from '@liveticker/server';
import { createTestDatabase } from '../helpers/db';
import { freePort } from '../helpers/redis';
import { OPS_KEY } from '../helpers/server';

/** A node on every interface, so it can be reached from this machine's own non-loopback address. */
async function node(config: Record<string, unknown>) {
  const db = await createTestDatabase('sqlite');
  const port = await freePort();
  const deps = await createDeps(testConfig({ publicUrl: `http://127.0.0.1:${port}`, databaseUrl: db.url, adminApiKey: OPS_KEY, ...config }));
  const server = await createServer(deps);
  await server.listen(port, '0.0.0.0');
  return {
    port,
    async close() {
      await server.close();
      await deps.close();
      await db.drop();
    },
  };
}

const external = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

describe('/metrics is not for the public', () => {
  it('answers scrapers on this machine, and refuses the same request from another address', async () => {
    const n = await node({});
    try {
      const local = await fetch(`http://127.0.0.1:${n.port}/metrics`);
      expect(local.status).toBe(200);
      // Every connection's wait from accept to its first request is measured.
      const text = await (await fetch(`http://127.0.0.1:${n.port}/metrics`, { headers: { connection: 'close' } })).text();
      expect(Number(/^liveticker_http_first_request_wait_seconds_count (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
      // Forwarded by a proxy on this machine: another machine's request.
      expect((await fetch(`http://127.0.0.1:${n.port}/Metrics/`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
      expect(await local.text()).toContain('liveticker_sockets');
      // The machine's own LAN address is not loopback: the peer address decides, not a header.
      if (!external) throw new Error('this machine has no non-loopback IPv4 address to test from');
      const remote = await fetch(`http://${external}:${n.port}/metrics`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
      expect(remote.status).toBe(403);
      expect((await remote.json()).error.message).toMatch(/METRICS_TOKEN or METRICS_PORT/);
    } finally {
      await n.close();
    }
  });

  it('METRICS_TOKEN: only with the bearer token, from anywhere', async () => {
    const token = 'metrics-token-0123456789';
    const n = await node({ metricsToken: token });
    try {
      expect((await fetch(`http://127.0.0.1:${n.port}/metrics`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${n.port}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await fetch(`http://${external}:${n.port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await n.close();
    }
  });

  it('METRICS_PORT: on its own loopback port, and gone from the public one', async () => {
    const metricsPort = await freePort();
    const n = await node({ metricsPort });
    try {
      expect((await fetch(`http://127.0.0.1:${n.port}/metrics`)).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('liveticker_sockets');
      await expect(fetch(`http://${external}:${metricsPort}/metrics`)).rejects.toThrow();
    } finally {
      await n.close();
    }
  });
});
