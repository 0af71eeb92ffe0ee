import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_STRINGS, LANGS, accountLang, browserLang, t, when } from '../../client-sdk/src/console/i18n';
import type { Key } from '../../client-sdk/src/console/i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const keys = Object.keys(CONSOLE_STRINGS.en) as Key[];

describe('the console’s catalogue', () => {
  it.each(LANGS)('%s has every key English has, and no other', (lang) => {
    expect(Object.keys(CONSOLE_STRINGS[lang]).sort()).toEqual([...keys].sort());
  });

  it.each(LANGS)('%s fills in the same placeholders as English, and leaves no line empty', (lang) => {
    const wrong = keys.filter((k) => placeholders(CONSOLE_STRINGS[lang][k]).join() !== placeholders(CONSOLE_STRINGS.en[k]).join());
    expect(wrong).toEqual([]);
    expect(keys.filter((k) => !CONSOLE_STRINGS[lang][k].trim())).toEqual([]);
  });

  it('German and Russian are translations, not English left in place (beyond words the languages share)', () => {
    // Words German (and the newsroom) uses as English does; placeholders are no words.
    const shared = new Set(['Text', 'Chat', 'Ticker', 'Link', 'LIVE', 'Live', 'Status', 'Admin', 'Name', 'Desk']);
    const english = (text: string) => (text.replace(/\{\w+\}/g, '').match(/[A-Za-z]{3,}/g) ?? []).some((w) => !shared.has(w));
    for (const lang of ['de', 'ru'] as const) {
      const untranslated = keys.filter((k) => CONSOLE_STRINGS[lang][k] === CONSOLE_STRINGS.en[k] && english(CONSOLE_STRINGS.en[k]));
      expect({ lang, untranslated }).toEqual({ lang, untranslated: [] });
    }
  });

  it('every key the console’s code names is in the catalogue', () => {
    const dir = path.join(__dirname, '..', '..', 'client-sdk', 'src', 'console');
    const named = new Set<string>();
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts') && !x.startsWith('i18n'))) {
      for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\bt\(\s*'([\w.-]+)'/g)) named.add(m[1]!);
    }
    expect(named.size).toBeGreaterThan(100);
    expect([...named].filter((k) => !(k in CONSOLE_STRINGS.en))).toEqual([]);
  });

  it('fills in placeholders in the language asked for', () => {
    expect(t('composer.scheduledFor', { when: '21:30' }, 'en')).toBe('Scheduled for 21:30.');
    expect(t('composer.scheduledFor', { when: '21:30' }, 'de')).toBe('Geplant für 21:30.');
    expect(t('composer.scheduledFor', { when: '21:30' }, 'ru')).toBe('Запланировано на 21:30.');
  });
});

describe('the console’s language', () => {
  it('before login is the browser’s when the console has it, else English', () => {
    expect(browserLang('de-AT')).toBe('de');
    expect(browserLang('ru')).toBe('ru');
    expect(browserLang('en-GB')).toBe('en');
    expect(browserLang('fr-FR')).toBe('en');
    expect(browserLang('')).toBe('en');
    expect(browserLang(undefined)).toBe('en');
  });

  it('after login is the account’s locale', () => {
    expect(accountLang('de')).toBe('de');
    expect(accountLang('ru')).toBe('ru');
    expect(accountLang('xx')).toBe('en');
  });

  it('writes dates in that language: the time alone today, day and month with it on another day', () => {
    const now = new Date(2026, 10, 3, 22, 0);
    const today = new Date(2026, 10, 3, 21, 30).toISOString();
    const earlier = new Date(2026, 10, 1, 9, 5).toISOString();
    expect(when(today, 'de', now)).toBe('21:30');
    expect(when(today, 'ru', now)).toBe('21:30');
    expect(when(today, 'en', now)).toMatch(/^09:30\sPM$/);
    expect(when(earlier, 'de', now)).toMatch(/^1\. Nov\.?, 09:05$/);
    expect(when(earlier, 'ru', now)).toMatch(/^1 нояб\.?, 09:05$/);
    expect(when(earlier, 'en', now)).toMatch(/^Nov 1, 09:05\sAM$/);
  });
});
