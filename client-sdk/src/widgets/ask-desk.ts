import type { Change, Entry, Question, QuestionList } from '@liveticker/schemas';
import { tickerStream } from '@liveticker/schemas/wire';
import type { LivetickerClient } from '../client';
import type { StreamSync } from '../streams';
import { el } from './dom';
import { addStrings, say } from './i18n';
import type { Lang } from './i18n';
import type { ComposeMode } from './chat-login';
import { errorText, note } from './chat-forms';
import { PUBLIC_QUESTIONS_CSS, PublicQuestions } from './public-questions';

addStrings({
  de: {
    askTitle: 'Fragen Sie die Redaktion',
    askLabel: 'Ihre Frage an die Redaktion',
    askShowName: 'Meinen Anzeigenamen nennen, wenn die Frage beantwortet wird',
    askSend: 'Frage senden',
    askSent: 'Danke! Die Redaktion sieht Ihre Frage.',
    askJoin: 'Um der Redaktion eine Frage zu stellen, melden Sie sich oben an oder registrieren Sie sich.',
    askJoinButton: 'Zur Anmeldung',
    askInbox: 'Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse, dann können Sie Fragen stellen.',
    askClosed: 'Fragen an die Redaktion sind geschlossen.',
    askMine: 'Ihre Fragen',
    'askState.open': 'wartet auf Antwort',
    'askState.answered': 'beantwortet – im Liveticker',
    'askState.dismissed': 'wird nicht beantwortet',
    askReason: 'Die Redaktion dazu: {reason}',
    askTooShort: 'Bitte schreiben Sie mindestens 3 Zeichen.',
  },
  en: {
    askTitle: 'Ask the newsroom',
    askLabel: 'Your question to the newsroom',
    askShowName: 'Show my display name if it is answered',
    askSend: 'Send question',
    askSent: 'Thank you! The newsroom sees your question.',
    askJoin: 'To ask the newsroom a question, log in or register above.',
    askJoinButton: 'Go to login',
    askInbox: 'Please confirm your e-mail address first; then you can ask questions.',
    askClosed: 'Questions to the newsroom are closed.',
    askMine: 'Your questions',
    'askState.open': 'waiting for an answer',
    'askState.answered': 'answered – in the live ticker',
    'askState.dismissed': 'will not be answered',
    askReason: 'The newsroom says: {reason}',
    askTooShort: 'Please write at least 3 characters.',
  },
  ru: {
    askTitle: 'Спросите редакцию',
    askLabel: 'Ваш вопрос редакции',
    askShowName: 'Указать моё имя, если на вопрос ответят',
    askSend: 'Отправить вопрос',
    askSent: 'Спасибо! Редакция видит ваш вопрос.',
    askJoin: 'Чтобы задать вопрос редакции, войдите или зарегистрируйтесь выше.',
    askJoinButton: 'Ко входу',
    askInbox: 'Сначала подтвердите адрес электронной почты, затем вы сможете задавать вопросы.',
    askClosed: 'Вопросы редакции закрыты.',
    askMine: 'Ваши вопросы',
    'askState.open': 'ждёт ответа',
    'askState.answered': 'отвечено – в тикере',
    'askState.dismissed': 'ответа не будет',
    askReason: 'Редакция поясняет: {reason}',
    askTooShort: 'Напишите, пожалуйста, не меньше 3 символов.',
  },
});

export const ASK_CSS = `${PUBLIC_QUESTIONS_CSS}
.ltc-ask{border-top:1px solid #ddd;margin-top:.6rem;padding-top:.5rem}
.ltc-ask h3{font-size:1rem;margin:0 0 .3rem;text-transform:none}
.ltc-ask label{display:block;font-size:.9rem}
.ltc-ask textarea{width:100%;box-sizing:border-box;font:inherit;padding:.4rem;margin:.2rem 0}
.ltc-ask button{font:inherit;padding:.35rem .8rem;margin:.2rem .3rem .2rem 0;cursor:pointer;background:#0a5bd3;color:#fff;border:0;border-radius:4px;width:auto}
.ltc-ask button.secondary{background:#eee;color:#1a1a1a}
.ltc-ask label.check{display:flex;gap:.4rem;align-items:flex-start;font-size:.85rem;margin:.2rem 0}
.ltc-ask label.check input{width:auto;margin:.2rem 0 0}
.ltc-mine{list-style:none;margin:.3rem 0 0;padding:0;font-size:.9rem}
.ltc-mine li{padding:.3rem 0;border-bottom:1px solid #eee}.ltc-mine li::before{content:none}
.ltc-state{display:inline-block;font-size:.75rem;font-weight:600;border-radius:3px;padding:0 .3rem;margin-left:.3rem;background:#eee;color:#1a1a1a}
.ltc-state.answered{background:#e3f4e8;color:#0a5c26}.ltc-state.dismissed{background:#f3f3f3;color:#454545}
.ltc-reason{margin:.15rem 0 0;font-size:.85rem;color:#454545}
`;

export interface AskOptions {
  lang: Lang;
  client: LivetickerClient;
  ticker: string;
  /** Where the chat's login invitation is (the "log in" button takes the reader there). */
  compose: HTMLElement;
  /** A question was taken (the ticker's reach counts it). */
  counted?: () => void;
}

/**
 * "Ask the newsroom" under the chat: a verified reader's question form and their own questions
 * with their state (`GET /me/questions`), refreshed when an answer to one of them comes on the
 * ticker's stream; anyone else gets the chat's invitation to log in or register (a login there
 * is this form's login too), a login whose address is not confirmed the same reminder.
 */
export class AskDesk {
  readonly element = el('section', { class: 'ltc-ask', 'aria-labelledby': 'ltc-ask-title' });
  private readonly body = el('div');
  private readonly mine = el('ul', { class: 'ltc-mine', 'data-testid': 'my-questions' });
  private own = new Set<string>();
  private sync: StreamSync | undefined;
  private mode: ComposeMode | undefined;
  private counter = 0;

  /** Other readers' open questions, when the ticker's questions are public. */
  private readonly pub: PublicQuestions;

  constructor(private readonly o: AskOptions) {
    this.pub = new PublicQuestions({ lang: o.lang, client: o.client, ticker: o.ticker });
    this.element.append(el('h3', { id: 'ltc-ask-title' }, this.t('askTitle')), this.body, this.pub.element);
  }

  private t(key: string, vars?: Record<string, string | number>): string {
    return say(this.o.lang, key, vars);
  }

  /** Draws what the login calls for now (the chat's compose mode). */
  show(mode: ComposeMode): void {
    if (mode === this.mode) {
      // The same mode again may be another login: its own questions.
      if (mode === 'writer') void this.refresh();
      return;
    }
    this.mode = mode;
    if (mode === 'writer') {
      this.showForm();
      void this.refresh();
      this.follow();
      return;
    }
    this.unfollow();
    this.own.clear();
    this.mine.replaceChildren();
    void this.pub.reload(false, this.own);
    if (mode === 'closed') this.body.replaceChildren(el('p', { class: 'ltc-note' }, this.t('askClosed')));
    else if (mode === 'inbox') this.body.replaceChildren(el('p', { class: 'ltc-note' }, this.t('askInbox')));
    else {
      const go = el('button', { type: 'button', class: 'secondary' }, this.t('askJoinButton'));
      go.addEventListener('click', () => {
        this.o.compose.scrollIntoView({ block: 'nearest' });
        this.o.compose.querySelector<HTMLElement>('input, button')?.focus();
      });
      this.body.replaceChildren(el('p', {}, this.t('askJoin')), go);
    }
  }

  private showForm(): void {
    const area = el('textarea', { rows: '3', maxlength: '500', id: 'ltc-ask-text', name: 'question' });
    const label = el('label', { for: 'ltc-ask-text' }, this.t('askLabel'));
    const showName = el('input', { type: 'checkbox', name: 'showName' });
    const check = el('label', { class: 'check' });
    check.append(showName, this.t('askShowName'));
    const send = el('button', { type: 'button', class: 'ltc-ask-send' }, this.t('askSend'));
    const out = el('div');
    send.addEventListener('click', async () => {
      const text = area.value.trim();
      if ([...text].length < 3) {
        out.replaceChildren(note(this.t('askTooShort'), 'err'));
        return;
      }
      send.disabled = true;
      try {
        const clientId = `ask-${Date.now().toString(36)}-${++this.counter}-${Math.random().toString(36).slice(2, 10)}`;
        await this.o.client.rest.post<Question>(`/tickers/${encodeURIComponent(this.o.ticker)}/questions`, { body: text, clientId, showName: showName.checked });
        area.value = '';
        showName.checked = false;
        this.o.counted?.();
        out.replaceChildren(note(this.t('askSent'), 'ok'));
        await this.refresh();
      } catch (err) {
        out.replaceChildren(note(errorText(this.o.lang, err), 'err'));
      } finally {
        send.disabled = false;
      }
    });
    this.body.replaceChildren(label, area, check, send, out, el('h3', {}, this.t('askMine')), this.mine);
  }

  /** The reader's own questions in this ticker, newest first, with their state. */
  async refresh(): Promise<void> {
    try {
      const got = await this.o.client.rest.get<QuestionList>('/me/questions', { ticker: this.o.ticker, limit: 20 });
      this.own = new Set(got.items.map((q) => q.id));
      void this.pub.reload(this.mode === 'writer', this.own);
      this.mine.replaceChildren(
        ...got.items.map((q) => {
          const li = el('li', { 'data-id': q.id, 'data-status': q.status });
          li.append(el('span', {}, q.body), el('span', { class: `ltc-state ${q.status}` }, this.t(`askState.${q.status}`)));
          // Why the desk will not answer it, when it said: told to the asker alone.
          if (q.status === 'dismissed' && q.dismissReason) li.append(el('p', { class: 'ltc-reason' }, this.t('askReason', { reason: q.dismissReason })));
          return li;
        }),
      );
    } catch {
      // The list comes back with the next question or answer; the form works without it.
    }
  }

  /** An answer to one of the reader's questions arrives as an entry on the ticker's stream: their list says so. */
  private follow(): void {
    if (this.sync) return;
    this.sync = this.o.client.follow(
      tickerStream(this.o.ticker),
      (changes: Change[]) => {
        const answered = changes.some((c) => c.type === 'entry.created' && (c.data as Entry).question && this.own.has((c.data as Entry).question!.id));
        if (answered) void this.refresh();
      },
      () => undefined,
    );
    void this.sync.sync().catch(() => undefined);
  }

  private unfollow(): void {
    if (this.sync) this.o.client.unfollow(this.sync);
    this.sync = undefined;
  }

  destroy(): void {
    this.unfollow();
    this.pub.destroy();
  }
}
