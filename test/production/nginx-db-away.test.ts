import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { freePort } from '../helpers/redis';
import { ServerProcess } from '../helpers/process';
import { OPS_KEY } from '../helpers/server';
import { startNginx } from '../../scripts/bench/nginx';
import { CutProxy } from '../../scripts/soak/proxy';

// Found by the chaos soak (issue 23, finding 6): while PostgreSQL could not be reached, nginx with
// deploy/nginx.conf took every node out of rotation and answered 502 to every request under `/`
// (reads that need no database, the SDK's requests, beacons) until 5 s after each node's last 503:
// `proxy_next_upstream … http_503` counts a node's 503 `unavailable` as that node failing
// (`max_fails=1`), and a database away makes every node answer so. A 503 now goes to the client.
describe('nginx (deploy/nginx.conf) while the nodes cannot reach PostgreSQL', () => {
  let db: TestDatabase;
  let proxy: CutProxy;
  const nodes: ServerProcess[] = [];
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const target = new URL(db.url);
    proxy = await new CutProxy('pg', { host: target.hostname, port: Number(target.port || 5432) }).start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    nodes.push(await ServerProcess.start({ DATABASE_URL: viaProxy.toString() }));
    nodes.push(await ServerProcess.start({ DATABASE_URL: viaProxy.toString() }));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    nginx = await startNginx(port, nodes.map((n) => `127.0.0.1:${n.port}`));
  }, 90_000);
  afterAll(async () => {
    await nginx?.stop();
    for (const n of nodes) if (n.running) await n.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('passes each node\'s 503 on to the client and keeps the nodes in rotation for what needs no database', async () => {
    const ops = { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json' };
    proxy.cut(20_000);
    // Round robin: reads and writes that need the database reach both nodes; each answers 503.
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) {
      const read = await fetch(`${url}/api/v1/tickers?status=live`, { headers: ops });
      const write = await fetch(`${url}/api/v1/tickers`, { method: 'POST', headers: ops, body: JSON.stringify({ id: `away-${i}`, title: 'Away', status: 'live' }) });
      answers.push(read.status, write.status);
      await Promise.all([read.arrayBuffer(), write.arrayBuffer()]);
    }
    expect(answers).toEqual(Array(8).fill(503));
    // The OpenAPI document needs no database: both nodes are still there to answer it.
    const reads: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/api/v1/openapi.json`);
      reads.push(res.status);
      await res.arrayBuffer();
    }
    expect(reads).toEqual([200, 200, 200, 200]);
  });
});
