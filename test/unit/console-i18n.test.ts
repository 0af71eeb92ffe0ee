import fs from 'node:fs';
import path from 'node:path';
import { EN } from '../../client-sdk/src/console/i18n.en';
import { t } from '../../client-sdk/src/console/i18n';

describe('the console’s catalogue', () => {
  it('every key the console’s code names is in the catalogue', () => {
    const dir = path.join(__dirname, '..', '..', 'client-sdk', 'src', 'console');
    const named = new Set<string>();
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts') && !x.startsWith('i18n'))) {
      for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\bt\(\s*'([\w.-]+)'/g)) named.add(m[1]!);
    }
    expect(named.size).toBeGreaterThan(100);
    expect([...named].filter((k) => !(k in EN))).toEqual([]);
  });

  it('fills in placeholders', () => {
    expect(t('composer.scheduledFor', { when: '21:30' })).toBe('Scheduled for 21:30.');
  });
});
