// The soak's command line: `npm run soak -- --help`.
import { randomBytes } from 'node:crypto';
import type { FaultKind } from './nemesis';

export interface Options {
  minutes: number;
  seed: number;
  readers: number;
  /** Share of the readers on long-polling. */
  polling: number;
  chatters: number;
  /** Readers behind the SDK (createClient + a ticker view). */
  sdk: number;
  redis: 'single' | 'cluster';
  dev: boolean;
  /** Seconds between faults, drawn in [lo, hi]. */
  gap: [number, number];
  /** Seconds of workload without faults before the check (at least 35: the stuck check looks 30 s past the last fault). */
  quiet: number;
  faults?: FaultKind[];
  keep: boolean;
  /** Readers in Chromium: the widget embedded in a news page (0: none). */
  browsers: number;
  /** Anonymous devices voting on the polls (beside the chatters, who vote as verified readers). */
  devices: number;
  /** Web Push follows per ticker (every update and key events only, alternately). */
  follows: number;
}

export const ALL_FAULTS: FaultKind[] = ['kill', 'term', 'freeze', 'stall', 'hog', 'redis-restart', 'redis-pause', 'pg-restart', 'cut-pg', 'cut-redis'];

export function parseArgs(argv: string[]): Options {
  const o: Options = { minutes: 5, seed: randomBytes(4).readUInt32BE() % 1_000_000, readers: 2000, polling: 0.05, chatters: 10, sdk: 8, redis: 'single', dev: false, gap: [20, 60], quiet: 60, keep: false, browsers: 1, devices: 20, follows: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--minutes') o.minutes = Number(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--readers') o.readers = Number(val());
    else if (a === '--polling') o.polling = Number(val());
    else if (a === '--chatters') o.chatters = Number(val());
    else if (a === '--sdk') o.sdk = Number(val());
    else if (a === '--redis') o.redis = val() === 'cluster' ? 'cluster' : 'single';
    else if (a === '--dev') o.dev = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--browsers') o.browsers = Number(val());
    else if (a === '--devices') o.devices = Number(val());
    else if (a === '--follows') o.follows = Number(val());
    else if (a === '--gap') o.gap = val().split('-').map(Number) as [number, number];
    else if (a === '--quiet') o.quiet = Math.max(35, Number(val()));
    else if (a === '--faults') {
      // `none`: a fault-free run, the baseline for the latency outside faults.
      const v = val();
      o.faults = v === 'none' ? [] : (v.split(',') as FaultKind[]);
      const unknown = o.faults.filter((k) => !ALL_FAULTS.includes(k));
      if (unknown.length) throw new Error(`unknown fault ${unknown.join(', ')} (known: ${ALL_FAULTS.join(', ')}, or none)`);
    }
    else if (a === '--help') {
      process.stdout.write(
        'npm run soak -- [--minutes 5] [--seed N] [--readers 2000] [--polling 0.05] [--chatters 10] [--sdk 8] [--redis single|cluster] [--dev] [--gap 20-60] [--quiet 60] [--faults kill,term,...|none] [--browsers 1] [--devices 20] [--follows 2] [--keep]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}
