import fs from 'node:fs';
import path from 'node:path';

/**
 * The edges between the server's modules that a review asked to keep: migrations are frozen in
 * time (they import nothing of the live code, and the live code imports none of them but through
 * the list the migrator runs).
 */
const SRC = path.join(__dirname, '..', '..', 'server', 'src');
const MIGRATIONS = path.join(SRC, 'db', 'migrations');

const sources = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
/** The relative modules a file imports (`./x`, `../y`), as absolute paths without extension. */
const relativeImports = (file: string): string[] =>
  [...fs.readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*from\s+'(\.[^']+)'/g)].map((m) => path.resolve(path.dirname(file), m[1]!));

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
});
