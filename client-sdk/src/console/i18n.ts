import type { Locale } from '@liveticker/schemas';
import { DE } from './i18n.de';
import { EN } from './i18n.en';
import { RU } from './i18n.ru';

/**
 * The console speaks the desk's language: the logged-in account's `locale` (GET /me; the switch
 * saves it with PATCH /me). Before anyone logs in it is the browser's language when the console
 * has it, else English — the one a newsroom's guest (a freelancer, an agency's reporter) most
 * likely reads, and what the widgets fall back to as well.
 *
 * One console per page: the language is the page's (set by mountConsole, which also sets
 * `<html lang>`), and each view reads it as it draws; switching draws the views again.
 * The catalogue is one file per language (English holds the key list): the three together would
 * be three times 300 lines.
 */
export type Lang = Locale;
export type Key = keyof typeof EN;

export const LANGS: readonly Lang[] = ['de', 'en', 'ru'];
/** Each language by its own name, as the switch offers it. */
export const LANGUAGE_NAMES: Record<Lang, string> = { de: 'Deutsch', en: 'English', ru: 'Русский' };

export const CONSOLE_STRINGS: Record<Lang, Record<Key, string>> = { de: DE, en: EN, ru: RU };

let current: Lang = 'en';

export function setLang(lang: Lang): void {
  current = lang;
}

export function lang(): Lang {
  return current;
}

/** A console string in the page's language (or `lang`) with `{name}` placeholders filled in. */
export function t(key: Key, vars: Record<string, string | number> = {}, lang: Lang = current): string {
  const text = CONSOLE_STRINGS[lang][key] ?? EN[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** The console's language for a browser language tag (`de-AT` → de); one it does not have → English. */
export function browserLang(tag: string | null | undefined): Lang {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return (LANGS as readonly string[]).includes(base!) ? (base as Lang) : 'en';
}

/** An account's locale as the console's language (a value it does not know → English). */
export function accountLang(locale: string | null | undefined): Lang {
  return (LANGS as readonly string[]).includes(locale ?? '') ? (locale as Lang) : 'en';
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(lang: Lang, withDate: boolean): Intl.DateTimeFormat {
  const key = `${lang}|${withDate}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, withDate ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
    formats.set(key, f);
  }
  return f;
}

/** A time as the desk reads it, in its language: only the time today, day and month with it otherwise (the browser's time zone). */
export function when(iso: string, lang: Lang = current, now: Date = new Date()): string {
  const d = new Date(iso);
  return format(lang, now.toDateString() !== d.toDateString()).format(d);
}
