import fs from 'node:fs';
import path from 'node:path';

/**
 * The edges between modules that a review asked to keep: migrations are frozen in time (they
 * import nothing of the live code, and the live code imports none of them but through the list
 * the migrator runs), and no package's modules import each other in a circle (the SDK's views
 * depend on the small ViewHost interface the client implements, not on the client), and the
 * server's SQL is in the repositories of its tables (`<domain>.repo.ts` and their like).
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

  it('SQL lives in the repositories: services, routes, sockets and jobs call them and hold no query', () => {
    /** Modules that are the repository of their tables, or the database's own plumbing. */
    const owners = [
      /\.repo\.ts$/,
      /\.changes\.ts$/, // the catch-up readers of each stream kind
      /^db\//, // the write primitive (streams), the database, migrations
      /^realtime\/changelog\.ts$/,
      /^http\/readiness\.ts$/, // its probe
      /^auth\/(sessions|email-tokens)\.ts$/,
      /^chat\/moderation\.log\.ts$/,
      // Its one read (users by name key) would import users.repo, which imports its nameKey: a circle.
      /^auth\/names\.ts$/,
    ];
    const queries = sources(SRC)
      .map((f) => path.relative(SRC, f).split(path.sep).join('/'))
      .filter((f) => !owners.some((o) => o.test(f)))
      .flatMap((f) =>
        fs
          .readFileSync(path.join(SRC, f), 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
          // The first admin's PostgreSQL advisory lock is a lock, not a query of a table.
          .filter(({ line }) => /\.(selectFrom|updateTable|insertInto|deleteFrom)\(|\bsql`(?!select pg_advisory_xact_lock)/.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(queries).toEqual([]);
  });

  it.each(['server', 'client-sdk', 'schemas'])('no modules of %s import each other in a circle (types included)', (pkg) => {
    expect(importCycles(path.join(__dirname, '..', '..', pkg, 'src'))).toEqual([]);
  });
});
