// node scripts/bench/profile-top.mjs <file.cpuprofile> [N]: the top frames of a V8 CPU profile
// (node --cpu-prof) by self time, and by total time for our own code (ALL=1: every frame), as the evidence of where a
// server's time goes. Time windows: FROM_MS / TO_MS (since the profile's start) keep only samples in it.
import fs from 'node:fs';

const [file, n = '30'] = process.argv.slice(2);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of prof.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const from = Number(process.env.FROM_MS ?? 0) * 1000;
const to = Number(process.env.TO_MS ?? Infinity) * 1000;
const self = new Map();
const total = new Map();
let t = 0;
let all = 0;
prof.samples.forEach((id, i) => {
  t += prof.timeDeltas[i] ?? 0;
  if (t < from || t > to) return;
  const dt = prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0;
  all += dt;
  const name = (node) => {
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules|server|client-sdk|schemas)\//, '$1/')}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  const leaf = byId.get(id);
  self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + dt);
  }
});
const pct = (v) => `${((100 * v) / all).toFixed(1).padStart(5)} %`;
console.log(`samples over ${(all / 1e6).toFixed(2)} s`);
console.log('-- self time');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, +n)) console.log(pct(v), k);
// ALL=1: total time of every frame (libraries and Node's own too), not only ours.
const ours = process.env.ALL ? () => true : ([k]) => /(server|schemas)\//.test(k);
console.log(`-- total time, ${process.env.ALL ? 'every frame' : 'our code (server/, client-sdk/, schemas/)'}`);
for (const [k, v] of [...total].filter(ours).sort((a, b) => b[1] - a[1]).slice(0, +n)) console.log(pct(v), k);
