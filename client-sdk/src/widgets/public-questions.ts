import type { Change, Question, QuestionList } from '@liveticker/schemas';
import { publicQuestionsStream } from '@liveticker/schemas/wire';
import type { LivetickerClient } from '../client';
import type { StreamSync } from '../streams';
import { el } from './dom';
import { addStrings, say } from './i18n';
import type { Lang } from './i18n';
import { errorText, note } from './chat-forms';

addStrings({
  de: {
    publicTitle: 'Fragen der Leser',
    upvote: 'Auch wissen wollen',
    upvoteLabel: 'Auch wissen wollen: {q}',
    votes: '{n} Stimmen',
    'votes.one': '{n} Stimme',
    ownQuestion: 'Ihre Frage',
  },
  en: {
    publicTitle: "Readers' questions",
    upvote: 'I want to know too',
    upvoteLabel: 'I want to know too: {q}',
    votes: '{n} votes',
    'votes.one': '{n} vote',
    ownQuestion: 'your question',
  },
  ru: {
    publicTitle: 'Вопросы читателей',
    upvote: 'Мне тоже интересно',
    upvoteLabel: 'Мне тоже интересно: {q}',
    votes: 'голосов: {n}',
    'votes.one': 'голосов: {n}',
    ownQuestion: 'ваш вопрос',
  },
});

export const PUBLIC_QUESTIONS_CSS = `
.ltc-public ul{list-style:none;margin:.3rem 0 0;padding:0;font-size:.9rem}
.ltc-public li{padding:.3rem 0;border-bottom:1px solid #eee;display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}.ltc-public li::before{content:none}
.ltc-public .q{flex:1 1 12rem}.ltc-public .n{font-size:.8rem;color:#454545}
.ltc-public button[aria-pressed=true]{background:#0a4aa8}
`;

/**
 * The open questions of a ticker whose questions are public (`GET /tickers/:id/questions`, then
 * live on `questions-public:<id>`: new ones, counts at most once a second, those answered,
 * dismissed or made private leaving), most votes first; a logged-in reader upvotes others'
 * (pressed again: taken back). Hidden while there are none to show.
 */
export class PublicQuestions {
  readonly element = el('section', { class: 'ltc-public', 'aria-labelledby': 'ltc-public-title', hidden: '' });
  private readonly list = el('ul', { 'data-testid': 'public-questions' });
  private readonly out = el('div');
  private readonly items = new Map<string, Question>();
  private readonly voted = new Set<string>();
  private own = new Set<string>();
  private canVote = false;
  private readonly sync: StreamSync;

  constructor(private readonly o: { lang: Lang; client: LivetickerClient; ticker: string }) {
    this.element.append(el('h3', { id: 'ltc-public-title' }, this.t('publicTitle')), this.list, this.out);
    this.sync = o.client.follow(
      publicQuestionsStream(o.ticker),
      (changes) => this.apply(changes),
      () => undefined,
    );
    void this.sync.sync().catch(() => undefined);
  }

  private t(key: string, vars?: Record<string, string | number>): string {
    return say(this.o.lang, key, vars);
  }

  /** Who reads now: a verified login may vote (never on `own`); loads the list as they see it. */
  async reload(canVote: boolean, own: Set<string>): Promise<void> {
    this.canVote = canVote;
    this.own = own;
    try {
      const got = await this.o.client.rest.get<QuestionList>(`/tickers/${encodeURIComponent(this.o.ticker)}/questions`, { order: 'top', limit: 50 });
      this.items.clear();
      this.voted.clear();
      for (const q of got.items) {
        this.items.set(q.id, q);
        if (q.voted) this.voted.add(q.id);
      }
    } catch {
      // Not public (403): nothing to show until the stream brings questions.
      this.items.clear();
    }
    this.render();
  }

  private apply(changes: Change[]): void {
    for (const c of changes) {
      if (c.type === 'question.removed') this.items.delete(c.data.id);
      else if (c.type === 'question.created' || c.type === 'question.updated') this.items.set(c.data.id, c.data as Question);
    }
    this.render();
  }

  private render(): void {
    const rows = [...this.items.values()].filter((q) => q.status === 'open').sort((a, b) => b.votes - a.votes || (a.createdAt < b.createdAt ? 1 : -1));
    this.element.hidden = rows.length === 0;
    this.list.replaceChildren(
      ...rows.map((q) => {
        const li = el('li', { 'data-id': q.id });
        li.append(el('span', { class: 'q' }, q.body), el('span', { class: 'n' }, say(this.o.lang, q.votes === 1 ? 'votes.one' : 'votes', { n: q.votes })));
        if (this.own.has(q.id)) li.append(el('span', { class: 'n' }, this.t('ownQuestion')));
        else if (this.canVote) {
          const pressed = this.voted.has(q.id);
          const b = el('button', { type: 'button', 'aria-pressed': String(pressed), 'aria-label': this.t('upvoteLabel', { q: q.body }) }, this.t('upvote'));
          b.addEventListener('click', () => void this.vote(q.id, !pressed));
          li.append(b);
        }
        return li;
      }),
    );
  }

  private async vote(id: string, up: boolean): Promise<void> {
    try {
      const q = up ? await this.o.client.rest.post<Question>(`/questions/${id}/votes`, {}) : await this.o.client.rest.delete<Question>(`/questions/${id}/votes`);
      if (up) this.voted.add(id);
      else this.voted.delete(id);
      // The answer's count is this moment's; the stream's follows within a second.
      this.items.set(id, { ...this.items.get(id)!, votes: q.votes });
      this.out.replaceChildren();
    } catch (err) {
      this.out.replaceChildren(note(errorText(this.o.lang, err), 'err'));
    }
    this.render();
    this.list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"] button`)?.focus();
  }

  destroy(): void {
    this.o.client.unfollow(this.sync);
  }
}
