import type { Entry, PollResults } from '@liveticker/schemas';
import { el, formatTime } from './dom';
import { say } from './i18n';
import type { Lang } from './i18n';
import { newerResults, percentages } from './poll-state';

/** What the widget knows of a poll beyond its entry: the reader's vote, and the counts its answer brought. */
export interface PollLocal {
  optionId?: string;
  results?: PollResults;
  /** A sentence under the poll (thanks, a refusal), and whether it is an error. */
  note?: { text: string; error?: boolean };
  busy?: boolean;
}

export interface PollHooks {
  local(entryId: string): PollLocal;
  vote(entryId: string, optionId: string): void;
}

export const POLL_CSS = `.lt-poll{border:1px solid var(--lt-line,#ddd);border-radius:4px;padding:.6rem .75rem;margin-top:.5rem;font-family:var(--lt-head-font,system-ui,sans-serif)}
.lt-poll-q{font-weight:700;margin:0 0 .5rem}
.lt-poll-options{display:flex;flex-wrap:wrap;gap:.4rem;margin-bottom:.5rem}
.lt-poll-options button{font:inherit;padding:.35rem .8rem;border:1px solid var(--lt-accent,#c00018);border-radius:3px;background:#fff;color:#1a1a1a;cursor:pointer}
.lt-poll-options button[aria-pressed=true]{background:var(--lt-accent,#c00018);color:#fff}
.lt-poll-bars{list-style:none;margin:0 0 .4rem;padding:0}.lt-poll-bars li{margin:.3rem 0}
.lt-poll-row{display:flex;justify-content:space-between;gap:.5rem;font-size:.9rem}
.lt-poll-bar{height:.5rem;background:#eee;border-radius:2px;overflow:hidden}.lt-poll-bar span{display:block;height:100%;background:var(--lt-accent,#c00018)}
.lt-poll-foot{font-size:.8rem;color:var(--lt-muted,#595959);margin:0}.lt-poll-note.error{color:#a00010}`;

/**
 * A poll: its question, the options as buttons in a labelled group while it is open (the
 * reader's choice pressed; pressing another changes the vote), then the counts as bars with
 * percent and votes written out (never colour alone) wherever the reader may see them.
 */
export function renderPoll(e: Entry, lang: Lang, hooks?: PollHooks): HTMLElement {
  const poll = e.poll!;
  const local = hooks?.local(e.id) ?? {};
  const qid = `poll-q-${e.id}`;
  const box = el('section', { class: 'lt-poll', 'data-poll': e.id, 'aria-labelledby': qid, part: 'poll' });
  box.append(el('p', { class: 'lt-poll-q', id: qid }, poll.question));
  if (!poll.closed && hooks) {
    const group = el('div', { class: 'lt-poll-options', role: 'group', 'aria-labelledby': qid });
    for (const o of poll.options) {
      const b = el('button', { type: 'button', 'data-option': o.id, 'aria-pressed': String(local.optionId === o.id) }, o.label);
      if (local.busy) b.setAttribute('aria-disabled', 'true');
      b.addEventListener('click', () => {
        if (!local.busy) hooks.vote(e.id, o.id);
      });
      group.append(b);
    }
    box.append(group);
  }
  // The stream's counts once they are everyone's; the vote's answer's when newer (after-vote: its only source).
  const results = newerResults(poll.results, local.results);
  if (results) {
    const pct = percentages(poll, results);
    const bars = el('ul', { class: 'lt-poll-bars', 'aria-label': say(lang, 'pollLabel') });
    for (const o of poll.options) {
      const n = results.counts[o.id] ?? 0;
      const li = el('li', { 'data-option': o.id });
      const row = el('div', { class: 'lt-poll-row' });
      row.append(el('span', {}, `${o.label}${local.optionId === o.id ? ' ✓' : ''}`), el('span', { class: 'lt-poll-num' }, `${pct[o.id]} % (${say(lang, n === 1 ? 'pollVote' : 'pollVotes', { n })})`));
      const bar = el('div', { class: 'lt-poll-bar', 'aria-hidden': 'true' });
      const fill = el('span');
      // Through the CSSOM: the widget pages' CSP allows no style attributes.
      fill.style.width = `${pct[o.id]}%`;
      bar.append(fill);
      li.append(row, bar);
      bars.append(li);
    }
    box.append(bars);
  } else if (local.optionId && poll.resultsMode === 'after-close') {
    box.append(el('p', { class: 'lt-poll-foot' }, say(lang, 'pollHidden')));
  }
  const foot: string[] = [];
  if (results) foot.push(say(lang, results.total === 1 ? 'pollVote' : 'pollVotes', { n: results.total }));
  if (poll.closed) foot.push(say(lang, 'pollClosed'));
  else if (poll.closesAt) foot.push(say(lang, 'pollClosesAt', { time: formatTime(poll.closesAt, lang).label }));
  if (foot.length) box.append(el('p', { class: 'lt-poll-foot' }, foot.join(' · ')));
  if (local.note) box.append(el('p', { class: `lt-poll-note${local.note.error ? ' error' : ''}`, role: local.note.error ? 'alert' : 'status' }, local.note.text));
  return box;
}
