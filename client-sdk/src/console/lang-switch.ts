import { LANGS, LANGUAGE_NAMES, lang, t } from './i18n';
import type { Lang } from './i18n';
import { el, say } from './ui';

export interface LangSwitch {
  readonly element: HTMLElement;
  readonly select: HTMLSelectElement;
  /** Says that the choice could not be kept (beside the switch). */
  failed(text: string): void;
}

/**
 * The console's language switch: Deutsch, English, Русский, each in its own language (and
 * marked so, for screen readers). `pick` saves the choice (to the account when logged in) and
 * draws the console again in it.
 */
export function langSwitch(pick: (lang: Lang) => unknown): LangSwitch {
  const select = el('select', { name: 'console-lang', class: 'ltx-lang', 'aria-label': t('lang.label') });
  for (const l of LANGS) select.append(el('option', { value: l, lang: l }, LANGUAGE_NAMES[l]));
  select.value = lang();
  const out = el('span', { role: 'status', class: 'meta' });
  const element = el('span', { class: 'ltx-lang-switch' });
  element.append(select, out);
  select.addEventListener('change', () => {
    out.textContent = '';
    void pick(select.value as Lang);
  });
  return {
    element,
    select,
    failed: (text) => {
      select.value = lang();
      say(out, text, 'err');
    },
  };
}
