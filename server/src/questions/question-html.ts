import type { EntryQuestion } from '@liveticker/schemas';

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const WORDS: Record<string, { asked: string; reader: string; by: (name: string) => string }> = {
  de: { asked: 'Leserfrage', reader: 'Eine Leserin oder ein Leser fragt', by: (n) => `${n} fragt` },
  en: { asked: 'Reader question', reader: 'A reader asks', by: (n) => `${n} asks` },
  ru: { asked: 'Вопрос читателя', reader: 'Читатель спрашивает', by: (n) => `${n} спрашивает` },
};

/**
 * An answer entry's question as static HTML (the rendered page, feeds), quoted above the answer:
 * its text (plain text, escaped) and who asked, by display name only when the asker agreed.
 */
export function questionHtml(q: EntryQuestion, lang: string): string {
  const w = WORDS[lang] ?? WORDS.en!;
  const who = q.askedBy ? w.by(q.askedBy) : w.reader;
  return `<blockquote class="lt-question" aria-label="${esc(w.asked)}"><p>${esc(q.body)}</p><footer>— ${esc(who)}</footer></blockquote>`;
}
