// npm run bench -- connect: how much a handshake costs a node that has just started (a deploy, the
// reconnect storm) against one that has taken connections before. BENCH_CONNECT_CLIENTS (10,000)
// raw-socket readers connect and subscribe to one ticker, leave, and do it again, BENCH_CONNECT_ROUNDS
// (3) times, against the bare Socket.IO server and then liveticker, each pinned to core 0 with the
// readers on core 1. Prints each round's time and the server's CPU per connection.
import { cpuMs } from './harness';
import { postJson, startBare, startLiveticker } from './servers';
import { ReaderFleet } from './fleet';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  ms: number;
  ok: number;
  cpuUsPerConnection: number;
  /** Handshakes that failed and were tried again, by reason. */
  errors: Record<string, number>;
}

async function rounds(target: { url: string; pid: number; stream: string }, readers: number, count: number, firstAddress: number): Promise<Round[]> {
  const out: Round[] = [];
  for (let i = 0; i < count; i++) {
    const cpu0 = cpuMs(target.pid);
    // Source addresses of each round's own (and each server's): the last round's ports wait in
    // TIME_WAIT for a minute, and a bind to an address whose ports are held so costs the readers'
    // kernel a slow search per connect (liveticker's rounds after bare's on the same address took
    // 14 s instead of 6).
    const { fleet, ms, ok, errors } = await ReaderFleet.connect({ url: target.url, stream: target.stream, readers, cpu: '1', drainMs: 100, firstAddress: firstAddress + i * Math.ceil(readers / 15_000) });
    const cpu = cpuMs(target.pid) - cpu0;
    out.push({ ms, ok, cpuUsPerConnection: Math.round((cpu * 1000) / Math.max(1, ok)), errors });
    await fleet.stop();
    // The leaving sockets' closes are the server's before the next round counts.
    await sleep(3000);
  }
  return out;
}

export async function connectScenario(opts: { readers: number; rounds: number }, log: (s: string) => void): Promise<void> {
  log(`\n== connect and subscribe ${opts.readers.toLocaleString('en')} readers, ${opts.rounds} rounds on one started server (core 0; readers on core 1) ==`);
  const results: Array<[string, Round[]]> = [];
  const bare = await startBare('0');
  try {
    results.push(['bare Socket.IO', await rounds(bare, opts.readers, opts.rounds, 2)]);
  } finally {
    await bare.stop();
  }
  const lt = await startLiveticker({}, '0');
  try {
    await postJson(`${lt.url}/api/v1/tickers`, { id: 'bench', title: 'Bench', status: 'live' }, lt.opsKey);
    await sleep(2000);
    results.push(['liveticker', await rounds({ url: lt.url, pid: lt.pid, stream: 'ticker:bench' }, opts.readers, opts.rounds, 2 + opts.rounds * Math.ceil(opts.readers / 15_000))]);
  } finally {
    await lt.stop();
  }
  log('| server | round | connected | time | server CPU per connection | handshakes tried again |');
  log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, rs] of results) {
    rs.forEach((r, i) => log(`| ${i === 0 ? name : ''} | ${i + 1}${i === 0 ? ' (just started)' : ''} | ${r.ok.toLocaleString('en')} | ${(r.ms / 1000).toFixed(2)} s | ${r.cpuUsPerConnection} µs | ${Object.entries(r.errors).map(([why, n]) => `${n} ${why}`).join('; ') || 'none'} |`));
  }
}
