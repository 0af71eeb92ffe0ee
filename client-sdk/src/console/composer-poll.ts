import type { Poll, PollInput, PollResultsMode } from '@liveticker/schemas';
import { t } from './i18n';
import type { Key } from './i18n';
import { button, el, field, fromLocalInput, toLocalInput } from './ui';

const MODES: Array<[PollResultsMode, Key]> = [
  ['always', 'poll.resultsAlways'],
  ['after-vote', 'poll.resultsAfterVote'],
  ['after-close', 'poll.resultsAfterClose'],
];
const MIN_OPTIONS = 2;
const MAX_OPTIONS = 10;

/**
 * The entry's poll (kind `poll`): the question, 2–10 answers (added and taken away; each keeps the
 * id it was made with, which is what votes name), when voting ends, who sees the counts, and
 * whether readers without an account may vote. The server refuses other answers once a vote is
 * cast (the question may still change); the composer says why.
 */
export class PollField {
  readonly element = el('fieldset', { class: 'ltx-poll', 'data-field': 'poll', hidden: '' });
  readonly question = el('input', { name: 'pollQuestion', maxlength: '200' });
  private readonly list = el('ol', { class: 'ltx-poll-options' });
  private readonly add: HTMLButtonElement;
  private readonly closesAt = el('input', { type: 'datetime-local', name: 'pollClosesAt', step: '60' });
  private readonly results = el('select', { name: 'pollResults' });
  private readonly anonymous = el('input', { type: 'checkbox', name: 'pollAnonymous' });
  private options: Array<{ id: string; label: HTMLInputElement; row: HTMLElement }> = [];
  private made = 0;

  /** `changed`: a field of the poll changed (the preview follows). */
  constructor(private readonly changed: () => void) {
    for (const [value, label] of MODES) this.results.append(el('option', { value }, t(label)));
    this.add = button(t('poll.addOption'), { 'data-action': 'add-option' }, () => {
      this.addOption('').focus();
      this.changed();
    });
    const anonymous = el('label', { class: 'inline' });
    anonymous.append(this.anonymous, t('poll.anonymous'));
    const row = el('div', { class: 'row' });
    row.append(field(t('poll.closesAt'), this.closesAt, 'poll.closesAt', t('poll.closesAtHint')), field(t('poll.results'), this.results, 'poll.results'));
    this.element.append(
      el('legend', {}, t('poll.legend')),
      field(t('poll.question'), this.question, 'poll.question'),
      el('p', { class: 'meta', id: 'ltx-poll-options-label' }, t('poll.options')),
      this.list,
      this.add,
      el('span', { class: 'field-error', 'data-error-for': 'poll.options', role: 'alert' }),
      row,
      anonymous,
    );
    this.list.setAttribute('aria-labelledby', 'ltx-poll-options-label');
    for (const input of [this.question, this.closesAt, this.results, this.anonymous]) {
      input.addEventListener('input', () => this.changed());
      input.addEventListener('change', () => this.changed());
    }
    this.set(undefined);
  }

  /** Shown for kind `poll` only. */
  show(on: boolean): void {
    this.element.hidden = !on;
  }

  /** The form as `poll` says (an entry opened for editing), or empty with two answers to fill in. */
  set(poll: Poll | undefined): void {
    this.list.replaceChildren();
    this.options = [];
    this.made = 0;
    this.question.value = poll?.question ?? '';
    for (const o of poll?.options ?? [{ id: '', label: '' }, { id: '', label: '' }]) this.addOption(o.label, o.id || undefined);
    this.closesAt.value = toLocalInput(poll?.closesAt);
    this.results.value = poll?.resultsMode ?? 'always';
    this.anonymous.checked = poll?.allowAnonymous ?? false;
  }

  /** The poll as the API takes it. */
  read(): PollInput {
    const closesAt = fromLocalInput(this.closesAt.value);
    return {
      question: this.question.value.trim(),
      options: this.options.map((o) => ({ id: o.id, label: o.label.value.trim() })),
      ...(closesAt ? { closesAt } : { closesAt: null }),
      results: this.results.value as PollResultsMode,
      allowAnonymous: this.anonymous.checked,
    };
  }

  private addOption(label: string, id?: string): HTMLInputElement {
    // A new answer's id is free among those the poll has (an opened poll's ids stay as they were).
    let fresh = id;
    while (!fresh || (id === undefined && this.options.some((o) => o.id === fresh))) fresh = `o${++this.made}`;
    const input = el('input', { name: `pollOption${this.options.length}`, maxlength: '80' });
    input.value = label;
    input.addEventListener('input', () => this.changed());
    const row = el('li');
    const entry = { id: fresh, label: input, row };
    const remove = button(t('poll.removeOption'), { 'data-action': 'remove-option', class: 'link' }, () => {
      if (this.options.length <= MIN_OPTIONS) return;
      this.options = this.options.filter((o) => o !== entry);
      row.remove();
      this.renumber();
      this.changed();
    });
    row.append(field(t('poll.option', { n: this.options.length + 1 }), input, `poll.options.${this.options.length}.label`), remove);
    this.list.append(row);
    this.options.push(entry);
    this.renumber();
    return input;
  }

  /** Labels and error paths follow the answers' places; at most 10, at least 2. */
  private renumber(): void {
    this.options.forEach((o, i) => {
      const label = o.row.querySelector('label');
      if (label) label.textContent = t('poll.option', { n: i + 1 });
      o.label.setAttribute('data-field', `poll.options.${i}.label`);
      o.row.querySelector('.field-error')?.setAttribute('data-error-for', `poll.options.${i}.label`);
      (o.row.querySelector('[data-action="remove-option"]') as HTMLButtonElement).disabled = this.options.length <= MIN_OPTIONS;
    });
    this.add.disabled = this.options.length >= MAX_OPTIONS;
  }
}

/** A stored poll as the form writes one (to tell whether an edit changed it). */
export function pollInputOf(poll: Poll | undefined): PollInput | undefined {
  if (!poll) return undefined;
  return {
    question: poll.question,
    options: poll.options.map((o) => ({ id: o.id, label: o.label })),
    closesAt: poll.closesAt ?? null,
    results: poll.resultsMode,
    allowAnonymous: poll.allowAnonymous,
  };
}

/** The poll being written as readers would get it, for the preview (open, no votes yet). */
export function previewPoll(input: PollInput): Poll {
  return {
    question: input.question,
    options: input.options,
    closesAt: input.closesAt ?? null,
    resultsMode: input.results,
    allowAnonymous: input.allowAnonymous,
    closed: false,
    closedAt: null,
  };
}
