import type { Entry } from '@liveticker/schemas';
import { el } from './dom';
import { addStrings, say } from './i18n';
import type { Lang } from './i18n';

addStrings({
  de: { questionBy: '{name} fragt', questionByReader: 'Eine Leserin oder ein Leser fragt', questionLabel: 'Leserfrage' },
  en: { questionBy: '{name} asks', questionByReader: 'A reader asks', questionLabel: 'Reader question' },
  ru: { questionBy: '{name} спрашивает', questionByReader: 'Читатель спрашивает', questionLabel: 'Вопрос читателя' },
});

export const QUESTION_CSS = `
.lt-entry blockquote.lt-question{font-style:normal;border-left:3px solid var(--lt-muted,#595959);background:#f5f5f5;padding:.4rem .75rem;margin:0 0 .5rem}
.lt-question p{margin:0 0 .25rem}.lt-question footer{font:.8rem var(--lt-head-font,system-ui,sans-serif);color:#454545}
`;

/** An answer entry's question, quoted above the answer: its text (plain text) and who asked (their name only when they agreed). */
export function renderQuestionQuote(q: NonNullable<Entry['question']>, lang: Lang): HTMLElement {
  const quote = el('blockquote', { class: 'lt-question', 'aria-label': say(lang, 'questionLabel') });
  quote.append(el('p', {}, q.body), el('footer', {}, `— ${q.askedBy ? say(lang, 'questionBy', { name: q.askedBy }) : say(lang, 'questionByReader')}`));
  return quote;
}
