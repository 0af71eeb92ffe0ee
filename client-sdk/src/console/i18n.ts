import { EN } from './i18n.en';

/**
 * The console's words, in one catalogue (i18n.en.ts holds the key list): every line a view
 * shows is looked up here by key, with `{name}` placeholders filled in.
 */
export type Key = keyof typeof EN;

/** A console string with `{name}` placeholders filled in. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return EN[key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** A time as the desk reads it: only the time today, day and month with it otherwise (the browser's language and time zone). */
export function when(iso: string): string {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
