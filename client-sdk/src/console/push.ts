import type { FollowerCount, ManualPush, Ticker } from '@liveticker/schemas';
import { MANUAL_PUSH_MAX } from '@liveticker/schemas/wire';
import type { LivetickerClient } from '../client';
import { t } from './i18n';
import { clearErrors, el, errorText, field, say, showErrors } from './ui';

/** A key for one manual push: a retry of the same request (a flaky network) makes no second one. */
const newClientId = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The ticker's followers and the manual push ("Breaking: …") for a key moment: how many devices
 * follow (all / key events), a short text, and an inline confirmation naming how many it goes to
 * (never the browser's confirm()). The server sends it once to every follow, both topics.
 */
export function pushPanel(client: LivetickerClient, ticker: Ticker): HTMLElement {
  const box = el('details', { class: 'ltx-push', 'data-testid': 'push' });
  const summary = el('summary', {}, t('push.summary', { n: '…' }));
  const counts = el('p', { class: 'meta', 'data-testid': 'followers' });
  const form = el('form', { class: 'ltx-inline', novalidate: '', 'aria-label': t('push.form') });
  const text = el('input', { maxlength: String(MANUAL_PUSH_MAX), name: 'push-text', placeholder: t('push.placeholder'), autocomplete: 'off' });
  const send = el('button', { type: 'submit', class: 'primary', 'data-action': 'push' }, t('push.send'));
  const ask = el('span', { role: 'group', 'aria-label': t('push.confirmLabel'), hidden: '' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  form.append(field(t('push.text'), text, 'text', t('push.hint', { max: MANUAL_PUSH_MAX })), send, ask);
  box.append(summary, counts, form, out);

  let followers: FollowerCount | undefined;
  const show = (n: FollowerCount) => {
    followers = n;
    summary.textContent = t('push.summary', { n: n.total });
    counts.textContent = t('push.counts', { all: n.all, keys: n.keyEvents });
  };
  const load = () =>
    client.rest
      .get<FollowerCount>(`/tickers/${encodeURIComponent(ticker.id)}/followers/count`)
      .then(show)
      .catch((err: unknown) => say(counts, t('push.countFailed', { error: errorText(err) }), 'err'));
  void load();
  box.addEventListener('toggle', () => {
    if (box.open) void load();
  });

  const closeAsk = () => {
    ask.hidden = true;
    ask.replaceChildren();
    send.hidden = false;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = text.value.trim();
    if (!body) {
      text.focus();
      return;
    }
    // Asked inline, naming the text and how many devices ring; the key is this push's from here on.
    const clientId = newClientId();
    const yes = el('button', { type: 'button', class: 'danger', 'data-confirm': 'yes' }, t('push.yes', { n: followers?.total ?? '?' }));
    const no = el('button', { type: 'button', 'data-confirm': 'no' }, t('ui.no'));
    ask.replaceChildren(el('span', { class: 'meta' }, `${t('push.confirm', { text: body, n: followers?.total ?? '?' })} `), yes, no);
    ask.hidden = false;
    send.hidden = true;
    yes.focus();
    no.addEventListener('click', () => {
      closeAsk();
      text.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = no.disabled = true;
      try {
        const made = await client.rest.post<ManualPush>(`/tickers/${encodeURIComponent(ticker.id)}/pushes`, { text: body, clientId });
        show(made.followers);
        text.value = '';
        closeAsk();
        say(out, t('push.sent', { n: made.followers.total }));
      } catch (err) {
        closeAsk();
        showErrors(form, out, err);
      }
    });
  });
  return box;
}
