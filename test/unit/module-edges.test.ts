import fs from 'node:fs';
import path from 'node:path';

/**
 * The edges between modules that a review asked to keep: migrations are frozen in time (they
 * import nothing of the live code, and the live code imports none of them but through the list
 * the migrator runs), and no package's modules import each other in a circle (the SDK's views
 * depend on the small ViewHost interface the client implements, not on the client).
 */
const SRC = path.join(__dirname, '..', '..', 'server', 'src');
const MIGRATIONS = path.join(SRC, 'db', 'migrations');

const sources = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
/** The relative modules a file imports (`./x`, `../y`, types too), as absolute paths without extension. */
const relativeImports = (file: string): string[] =>
  [...fs.readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*from\s+'(\.[^']+)'/g)].map((m) => path.resolve(path.dirname(file), m[1]!));

/** Every circle of imports among a folder's modules, each as `a.ts → b.ts → a.ts`. */
function importCycles(dir: string): string[] {
  const graph = new Map<string, string[]>();
  for (const f of sources(dir)) {
    graph.set(
      f,
      relativeImports(f)
        .map((to) => [`${to}.ts`, path.join(to, 'index.ts')].find((c) => fs.existsSync(c)))
        .filter((to): to is string => to !== undefined),
    );
  }
  const cycles: string[] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (f: string) => {
    const at = stack.indexOf(f);
    if (at >= 0) {
      cycles.push([...stack.slice(at), f].map((x) => path.relative(dir, x)).join(' → '));
      return;
    }
    if (done.has(f)) return;
    stack.push(f);
    for (const to of graph.get(f) ?? []) visit(to);
    stack.pop();
    done.add(f);
  };
  for (const f of graph.keys()) visit(f);
  return cycles;
}

describe('module edges', () => {
  it('a migration imports no live code (only other files of db/migrations)', () => {
    const crossing = sources(MIGRATIONS).flatMap((f) =>
      relativeImports(f)
        .filter((to) => !to.startsWith(MIGRATIONS))
        .map((to) => `${path.relative(SRC, f)} → ${path.relative(SRC, to)}`),
    );
    expect(crossing).toEqual([]);
  });

  it('live code imports no migration (the migrator takes them from db/migrations/index.ts)', () => {
    const crossing = sources(SRC)
      .filter((f) => !f.startsWith(MIGRATIONS))
      .flatMap((f) =>
        relativeImports(f)
          .filter((to) => to.startsWith(MIGRATIONS) && to !== MIGRATIONS && to !== path.join(MIGRATIONS, 'index'))
          .map((to) => `${path.relative(SRC, f)} → ${path.relative(SRC, to)}`),
      );
    expect(crossing).toEqual([]);
  });

  it.each(['server', 'client-sdk', 'schemas'])('no modules of %s import each other in a circle (types included)', (pkg) => {
    expect(importCycles(path.join(__dirname, '..', '..', pkg, 'src'))).toEqual([]);
  });
});
