import type { Change, Question, QuestionList } from '@liveticker/schemas';
import { questionsStream } from '@liveticker/schemas/wire';
import type { LivetickerClient } from '../client';
import type { StreamSync } from '../streams';
import { t, when } from './i18n';
import { button, el, errorText, say } from './ui';

/** The open questions' order in the queue: most votes first (then newest), or newest first. */
export type QueueOrder = 'top' | 'new';

/** The open questions in `order` (a pure decision: the view draws what this returns). */
export function queueOrder(questions: Iterable<Question>, order: QueueOrder): Question[] {
  const newest = (a: Question, b: Question) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1);
  return [...questions].filter((q) => q.status === 'open').sort((a, b) => (order === 'top' && b.votes !== a.votes ? b.votes - a.votes : newest(a, b)));
}

/**
 * The desk's queue of a ticker's open questions, live on `questions:<id>` (new questions, vote
 * counts at most once a second, answered or dismissed ones leaving) on every node. `count` is
 * told every change of how many are open (the tab shows it); `answer` opens one in the composer
 * (editors only; moderators dismiss).
 */
export class QuestionQueue {
  readonly element = el('section', { class: 'ltx-questions', 'aria-label': t('questions.region') });
  private readonly list = el('ul', { class: 'ltx-queue questions', 'data-testid': 'questions' });
  private readonly out = el('p', { role: 'status', 'aria-live': 'polite' });
  private readonly open = new Map<string, Question>();
  private order: QueueOrder = 'top';
  private readonly sync: StreamSync;
  private readonly orderButtons: HTMLButtonElement[];

  constructor(
    private readonly client: LivetickerClient,
    private readonly tickerId: string,
    private readonly opts: { count: (n: number) => void; answer?: (q: Question) => void },
  ) {
    const orders = el('div', { class: 'row', role: 'group', 'aria-label': t('questions.order') });
    this.orderButtons = (['top', 'new'] as const).map((o) =>
      button(t(o === 'top' ? 'questions.top' : 'questions.new'), { 'data-order': o, 'aria-pressed': String(o === this.order) }, () => {
        this.order = o;
        for (const b of this.orderButtons) b.setAttribute('aria-pressed', String(b.dataset.order === o));
        this.render();
      }),
    );
    orders.append(...this.orderButtons);
    this.element.append(el('h2', {}, t('questions.queue')), orders, this.out, this.list);
    this.sync = client.follow(
      questionsStream(tickerId),
      (changes) => this.apply(changes),
      (err) => say(this.out, errorText(err), 'err'),
    );
    // The stream brings what happens from now on; the list what is open already.
    void this.sync
      .sync()
      .then(() => this.load())
      .catch((err) => say(this.out, errorText(err), 'err'));
  }

  private async load(): Promise<void> {
    let cursor: string | null = null;
    // At most 5 pages of 100: a queue longer than that is read by its top.
    for (let page = 0; page < 5; page++) {
      const got: QuestionList = await this.client.rest.get<QuestionList>(`/tickers/${this.tickerId}/questions`, { status: 'open', order: 'top', limit: 100, ...(cursor ? { cursor } : {}) });
      for (const q of got.items) if (!this.open.has(q.id) || this.open.get(q.id)!.rev < q.rev) this.open.set(q.id, q);
      cursor = got.nextCursor;
      if (!cursor) break;
    }
    this.render();
  }

  private apply(changes: Change[]): void {
    for (const c of changes) {
      if (c.type !== 'question.created' && c.type !== 'question.updated') continue;
      const q = c.data as Question;
      if (q.status === 'open') this.open.set(q.id, q);
      else this.open.delete(q.id);
    }
    this.render();
  }

  /** A question answered or dismissed here: gone from the queue before its change arrives. */
  drop(id: string): void {
    this.open.delete(id);
    this.render();
  }

  private render(): void {
    const items = queueOrder(this.open.values(), this.order);
    this.opts.count(items.length);
    if (items.length === 0) {
      this.list.replaceChildren(el('li', { class: 'meta' }, t('questions.none')));
      return;
    }
    // Rows whose question did not change stay (an open reason field keeps its text and focus).
    const rows = items.map((q) => {
      const key = `${q.id}:${q.rev}:${q.votes}`;
      const old = this.list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(q.id)}"]`);
      return old && old.dataset.key === key ? old : this.row(q, key);
    });
    this.list.replaceChildren(...rows);
  }

  private row(q: Question, key: string): HTMLElement {
    const li = el('li', { 'data-id': q.id, 'data-key': key });
    li.append(el('p', { class: 'ltx-question-body' }, q.body));
    const meta = t('questions.meta', { name: q.author?.displayName ?? t('questions.aReader'), when: when(q.createdAt), votes: q.votes });
    li.append(el('p', { class: 'meta' }, `${meta}${q.showName ? ` · ${t('questions.showsName')}` : ''}`));
    const actions = el('div', { class: 'row' });
    if (this.opts.answer) actions.append(button(t('questions.answer'), { class: 'primary', 'data-action': 'answer' }, () => this.opts.answer!(q)));
    const reason = el('input', { name: 'reason', maxlength: '300', 'aria-label': t('questions.reason'), placeholder: t('questions.reason') });
    actions.append(
      reason,
      button(t('questions.dismiss'), { 'data-action': 'dismiss' }, async () => {
        try {
          await this.client.rest.post(`/questions/${q.id}/dismiss`, reason.value.trim() ? { reason: reason.value.trim() } : {});
          this.drop(q.id);
          say(this.out, t('questions.dismissed'));
        } catch (err) {
          say(this.out, errorText(err), 'err');
        }
      }),
    );
    li.append(actions);
    return li;
  }

  destroy(): void {
    this.client.unfollow(this.sync);
  }
}
