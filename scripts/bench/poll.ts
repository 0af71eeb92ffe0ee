// npm run bench -- poll: readers watching one live poll (results always shown) while anonymous
// devices vote (and change their votes) at a steady offered rate. Each device keeps the cookie its
// first vote got and never has two votes under way (a vote due while its last is unanswered waits
// for that answer), as a browser would: so a refusal is the server's own. Prints the offered rate,
// the votes accepted per second until the last answer, the result frames each reader got (on
// average, and the most any reader got within one second), the p99 from the last vote to every
// reader's final count, and the server's CPU.
//   BENCH_POLL_CLIENTS (10000), BENCH_POLL_VOTES (2000/s), BENCH_POLL_SECONDS (20)
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuMs } from './harness';
import { LiteClient } from './lite-client';
import { startLiveticker } from './servers';

const DEVICES_PER_ADDRESS = 5;

async function api<T>(url: string, method: string, body: unknown, token: string): Promise<T> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function pollScenario(o: { clients: number; votesPerSecond: number; seconds: number }, log: (s: string) => void): Promise<void> {
  log(`\n== poll: ${o.clients} readers watching one poll, ${o.votesPerSecond} votes/s for ${o.seconds} s ==`);
  const devices = o.votesPerSecond; // each device votes about once a second
  const lt = await startLiveticker({ LOG_LEVEL: 'warn', POLL_VOTES_PER_ADDRESS: String(DEVICES_PER_ADDRESS) });
  const readers: LiteClient[] = [];
  try {
    await api(`${lt.url}/api/v1/tickers`, 'POST', { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
    const options = ['a', 'b', 'c', 'd'].map((id) => ({ id, label: `Option ${id}` }));
    const poll = await api<{ id: string }>(`${lt.url}/api/v1/tickers/bench/entries`, 'POST', { kind: 'poll', poll: { question: 'Who won the debate?', options, results: 'always', allowAnonymous: true } }, lt.opsKey);

    // The readers: each keeps the last counts it was shown (a frame's last poll counts), and when they changed.
    const seen: string[] = new Array(o.clients).fill('');
    const seenAt = new Float64Array(o.clients);
    let frames = 0;
    // Each reader's frames of the last second (sliding), the most it ever had in one, and its shortest gap between two.
    const recent: number[][] = Array.from({ length: o.clients }, () => []);
    const mostInASecond = new Uint16Array(o.clients);
    const shortestGap = new Float64Array(o.clients).fill(Infinity);
    const countsOf = /"counts":(\{[^}]*\})/g;
    const norm = (json: string) => Object.entries(JSON.parse(json) as Record<string, number>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',');
    for (let i = 0; i < o.clients; i += 250) {
      await Promise.all(
        Array.from({ length: Math.min(250, o.clients - i) }, async (_, j) => {
          const idx = i + j;
          const c = new LiteClient((raw) => {
            if (!raw.includes(poll.id) || !raw.includes('"counts"')) return;
            frames++;
            const t = performance.now();
            const r = recent[idx]!;
            if (r.length > 0) shortestGap[idx] = Math.min(shortestGap[idx]!, t - r[r.length - 1]!);
            r.push(t);
            while (r[0]! <= t - 1000) r.shift();
            if (r.length > mostInASecond[idx]!) mostInASecond[idx] = r.length;
            let last: string | undefined;
            countsOf.lastIndex = 0;
            for (let m = countsOf.exec(raw); m; m = countsOf.exec(raw)) last = m[1];
            if (last === undefined) return;
            const n = norm(last);
            if (n !== seen[idx]) {
              seen[idx] = n;
              seenAt[idx] = performance.now();
            }
          });
          await c.connect(lt.url, { readerId: `poll-reader-${idx}-bench` }, undefined, `127.1.${Math.floor(idx / 250)}.${1 + (idx % 250)}`);
          await c.emitWithAck('subscribe', { stream: 'ticker:bench' });
          readers.push(c);
        }),
      );
    }
    log(`${o.clients} readers subscribed`);

    // The devices: DEVICES_PER_ADDRESS per loopback address, each with the cookie its first vote got
    // and at most one vote under way: a vote due while the device's last is unanswered is sent when
    // that answer (and with a first vote, the cookie) is back. Without that wait a device's second
    // vote would come without a cookie, as a new device, and the address's cap would refuse it.
    const addresses = Math.ceil(devices / DEVICES_PER_ADDRESS);
    const agents = Array.from({ length: addresses }, (_, a) => new http.Agent({ keepAlive: true, maxSockets: 2, localAddress: `127.2.${Math.floor(a / 250)}.${1 + (a % 250)}` } as http.AgentOptions));
    const cookies: Array<string | undefined> = new Array(devices);
    const underWay = new Uint8Array(devices);
    const waiting = new Uint32Array(devices);
    const { hostname, port } = new URL(lt.url);
    const stats = { offered: 0, sent: 0, waited: 0, answered: 0, accepted: 0, refused: new Map<number, number>(), failed: 0, lastAcceptedAt: 0, lastAnswerAt: 0 };
    const answered = (d: number) => {
      stats.answered++;
      stats.lastAnswerAt = performance.now();
      underWay[d] = 0;
      if (waiting[d]! > 0) {
        waiting[d]!--;
        send(d);
      }
    };
    const send = (d: number) => {
      const body = JSON.stringify({ optionId: options[Math.floor(Math.random() * options.length)]!.id });
      stats.sent++;
      underWay[d] = 1;
      let done = false;
      const req = http.request(
        {
          host: hostname,
          port,
          path: `/api/v1/tickers/bench/entries/${poll.id}/votes`,
          method: 'POST',
          agent: agents[Math.floor(d / DEVICES_PER_ADDRESS)],
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(cookies[d] ? { cookie: cookies[d] } : {}) },
        },
        (res) => {
          res.resume();
          const set = res.headers['set-cookie']?.find((c) => c.startsWith('lt_device='));
          if (set) cookies[d] = set.split(';')[0];
          if (res.statusCode === 200) {
            stats.accepted++;
            stats.lastAcceptedAt = performance.now();
          } else stats.refused.set(res.statusCode ?? 0, (stats.refused.get(res.statusCode ?? 0) ?? 0) + 1);
          done = true;
          answered(d);
        },
      );
      req.on('error', () => {
        if (done) return;
        done = true;
        stats.failed++;
        answered(d);
      });
      req.end(body);
    };
    const vote = (d: number) => {
      stats.offered++;
      if (underWay[d]) {
        stats.waited++;
        waiting[d]!++;
      } else send(d);
    };
    const cpu0 = cpuMs(lt.pid);
    // The readers' arrival times are this process's: when it is busy sending votes, frames wait in its queue and arrive bunched.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const framesAtStart = frames;
    const started = performance.now();
    let next = 0;
    const total = o.votesPerSecond * o.seconds;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * o.votesPerSecond));
        while (next < due) vote(next++ % devices);
        if (next >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const offerS = (performance.now() - started) / 1000;
    // The last answers, then the final count as the desk reads it, then every reader at it.
    while (stats.answered < stats.offered) await sleep(50);
    const answerS = (stats.lastAnswerAt - started) / 1000;
    await sleep(1500);
    const entry = await api<{ poll?: { results?: { total: number; counts: Record<string, number> } } }>(`${lt.url}/api/v1/tickers/bench/entries/${poll.id}`, 'GET', undefined, lt.opsKey);
    const finalCounts = norm(JSON.stringify(entry.poll?.results?.counts ?? {}));
    const final = entry.poll?.results?.total ?? -1;
    const deadline = performance.now() + 20_000;
    while (performance.now() < deadline && seen.some((x) => x !== finalCounts)) await sleep(50);
    const cpu = cpuMs(lt.pid) - cpu0;
    const wallS = (performance.now() - started) / 1000;
    const late = Array.from(seenAt, (t, i) => (seen[i] === finalCounts ? t - stats.lastAcceptedAt : Infinity)).sort((a, b) => a - b);
    const q = (p: number) => late[Math.min(late.length - 1, Math.floor(p * late.length))]!;
    const reached = late.filter((x) => Number.isFinite(x)).length;
    log(`votes offered: ${stats.offered} in ${offerS.toFixed(1)} s (${(stats.offered / offerS).toFixed(0)}/s), ${stats.waited} of them sent late, after their device's previous answer`);
    log(`votes answered: the last ${answerS.toFixed(1)} s after the first was offered; ${stats.accepted} accepted (${(stats.accepted / answerS).toFixed(0)}/s achieved), refused ${JSON.stringify(Object.fromEntries(stats.refused))}, failed ${stats.failed}`);
    log(`final counts ${finalCounts} (total ${final}: each of ${devices} devices' latest vote); readers showing exactly them: ${reached}/${o.clients}`);
    log(`result frames per reader per second: ${((frames - framesAtStart) / o.clients / wallS).toFixed(2)} (${frames - framesAtStart} frames to ${o.clients} readers from the first vote until all showed the final counts, ${wallS.toFixed(1)} s)`);
    const most = mostInASecond.reduce((a, b) => Math.max(a, b), 0);
    const over = mostInASecond.reduce((n, m) => n + (m > 1 ? 1 : 0), 0);
    const gap = shortestGap.reduce((a, b) => Math.min(a, b), Infinity);
    lag.disable();
    log(`most result frames a reader got within any one second: ${most} (readers who ever got more than 1: ${over}); shortest gap between two frames at a reader: ${Number.isFinite(gap) ? `${gap.toFixed(0)} ms` : 'none'} (as this process saw them; its event loop was delayed up to ${(lag.max / 1e6).toFixed(0)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms)`);
    log(`from the last accepted vote to a reader's final count: p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms`);
    log(`server CPU ${(cpu / 1000).toFixed(1)} s over ${wallS.toFixed(1)} s (${((cpu / 1000 / wallS) * 100).toFixed(0)} % of a core), ${((cpu / Math.max(1, stats.accepted)) * 1000).toFixed(0)} µs a vote`);
    for (const a of agents) a.destroy();
  } finally {
    for (const r of readers) r.close();
    await lt.stop();
  }
}
