import type { ChatSettings, EntryTemplate, Ticker } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { LivetickerError } from '../rest';
import { clearErrors, confirming, el, errorText, field, fromLocalInput, say, showErrors, toLocalInput, when } from './ui';

/** A number field's value: the number, or what was typed (so the server names the field). */
const num = (input: HTMLInputElement): unknown => (input.value.trim() !== '' && Number.isFinite(Number(input.value)) ? Number(input.value) : input.value);
const words = (t: HTMLTextAreaElement): string[] =>
  t.value
    .split(/\n|,/)
    .map((w) => w.trim())
    .filter(Boolean);

/**
 * The ticker's settings (title, description, status, coverage window, language, pins, picture
 * credits) and its chat's (mode, slow mode, rate limits, duplicate window, word lists) in one
 * form; only what changed is sent, and a refused value is named beside its field.
 */
export function settingsPanel(client: LivetickerClient, ticker: Ticker, onSaved: (t: Ticker) => void, opts: { chatOnly?: boolean } = {}): HTMLElement {
  const form = el('form', { class: 'ltx-settings', 'aria-label': 'Ticker settings', novalidate: '' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  const title = el('input', { value: ticker.title, maxlength: '200' });
  const description = el('textarea', { rows: '2', maxlength: '2000' });
  description.value = ticker.description;
  const status = el('select');
  for (const s of ['scheduled', 'live', 'ended']) status.append(el('option', { value: s }, s === 'scheduled' ? 'Not started' : s === 'live' ? 'Live' : 'Ended'));
  status.value = ticker.status;
  const locale = el('select');
  for (const [v, l] of [
    ['de', 'Deutsch'],
    ['en', 'English'],
    ['ru', 'Русский'],
  ]) {
    locale.append(el('option', { value: v }, l));
  }
  locale.value = ticker.locale;
  const start = el('input', { type: 'datetime-local', value: toLocalInput(ticker.coverageStart) });
  const end = el('input', { type: 'datetime-local', value: toLocalInput(ticker.coverageEnd) });
  const maxPinned = el('input', { type: 'number', min: '1', max: '10', value: String(ticker.maxPinned), inputmode: 'numeric' });
  const credit = el('input', { type: 'checkbox' });
  credit.checked = ticker.requireImageCredit;
  credit.setAttribute('data-field', 'requireImageCredit');
  credit.name = 'requireImageCredit';

  const mode = el('select');
  for (const [v, l] of [
    ['open', 'Open'],
    ['premoderated', 'Pre-moderated (every message waits)'],
    ['closed', 'Closed'],
  ]) {
    mode.append(el('option', { value: v }, l));
  }
  const slow = el('input', { type: 'number', min: '0', max: '3600', inputmode: 'numeric' });
  const burst = el('input', { type: 'number', min: '1', max: '1000', inputmode: 'numeric' });
  const perMinute = el('input', { type: 'number', min: '1', max: '6000', inputmode: 'numeric' });
  const dup = el('input', { type: 'number', min: '0', max: '86400', inputmode: 'numeric' });
  const banned = el('textarea', { rows: '3' });
  const watch = el('textarea', { rows: '3' });
  let chat: ChatSettings | undefined;

  const tickerBox = el('fieldset');
  const dates = el('div', { class: 'row' });
  dates.append(field('Coverage starts', start, 'coverageStart'), field('Coverage ends', end, 'coverageEnd'));
  const row2 = el('div', { class: 'row' });
  row2.append(field('Status', status, 'status'), field('Language', locale, 'locale'), field('Pinned entries at most', maxPinned, 'maxPinned'));
  const creditLabel = el('label', { class: 'inline' });
  creditLabel.append(credit, 'Every picture needs a credit');
  tickerBox.append(el('legend', {}, 'Ticker'), field('Title', title, 'title'), field('Description', description, 'description'), row2, dates, creditLabel, el('span', { class: 'field-error', 'data-error-for': 'requireImageCredit' }));
  const chatBox = el('fieldset');
  const limits = el('div', { class: 'row' });
  limits.append(field('Slow mode (seconds between messages)', slow, 'chat.slowModeSeconds'), field('Burst (messages per 10 s)', burst, 'chat.rateLimit.burst'), field('Per minute', perMinute, 'chat.rateLimit.perMinute'), field('Same text again after (s)', dup, 'chat.duplicateWindowSeconds'));
  const lists = el('div', { class: 'row' });
  lists.append(field('Banned words (refused; one per line)', banned, 'chat.bannedWords'), field('Watch words (held for a moderator)', watch, 'chat.watchWords'));
  chatBox.append(el('legend', {}, 'Chat'), field('Chat', mode, 'chat.mode'), limits, lists);
  const save = el('button', { type: 'submit', class: 'primary', 'data-action': 'save-settings' }, 'Save settings');
  // Moderators run the room (mode, slow mode, limits, words), not the ticker.
  tickerBox.hidden = Boolean(opts.chatOnly);
  form.append(el('h2', {}, opts.chatOnly ? 'Chat settings' : 'Settings'), tickerBox, chatBox, save, out);

  const fillChat = (c: ChatSettings) => {
    chat = c;
    mode.value = c.mode;
    slow.value = String(c.slowModeSeconds);
    burst.value = String(c.rateLimit.burst);
    perMinute.value = String(c.rateLimit.perMinute);
    dup.value = String(c.duplicateWindowSeconds);
    banned.value = c.bannedWords.join('\n');
    watch.value = c.watchWords.join('\n');
  };
  void client.rest.get<ChatSettings>(`/tickers/${ticker.id}/chat-settings`).then(fillChat, (err) => {
    chatBox.hidden = true;
    if (!(err instanceof LivetickerError && err.code === 'forbidden')) say(out, `Chat settings: ${err.message}`, 'err');
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const t: Record<string, unknown> = {};
    if (!opts.chatOnly) {
    if (title.value !== ticker.title) t.title = title.value;
    if (description.value !== ticker.description) t.description = description.value;
    if (status.value !== ticker.status) t.status = status.value;
    if (locale.value !== ticker.locale) t.locale = locale.value;
    const s = fromLocalInput(start.value) ?? null;
    const en = fromLocalInput(end.value) ?? null;
    if (toLocalInput(s) !== toLocalInput(ticker.coverageStart)) t.coverageStart = s;
    if (toLocalInput(en) !== toLocalInput(ticker.coverageEnd)) t.coverageEnd = en;
    if (maxPinned.value !== String(ticker.maxPinned)) t.maxPinned = num(maxPinned);
    if (credit.checked !== ticker.requireImageCredit) t.requireImageCredit = credit.checked;
    }
    const c: Record<string, unknown> = {};
    if (chat && !chatBox.hidden) {
      if (mode.value !== chat.mode) c.mode = mode.value;
      if (slow.value !== String(chat.slowModeSeconds)) c.slowModeSeconds = num(slow);
      if (burst.value !== String(chat.rateLimit.burst) || perMinute.value !== String(chat.rateLimit.perMinute)) c.rateLimit = { burst: num(burst), perMinute: num(perMinute) };
      if (dup.value !== String(chat.duplicateWindowSeconds)) c.duplicateWindowSeconds = num(dup);
      if (words(banned).join('\n') !== chat.bannedWords.join('\n')) c.bannedWords = words(banned);
      if (words(watch).join('\n') !== chat.watchWords.join('\n')) c.watchWords = words(watch);
    }
    if (!Object.keys(t).length && !Object.keys(c).length) {
      say(out, 'Nothing changed.', 'meta');
      return;
    }
    save.disabled = true;
    // The ticker first, then the chat: each part says whether it was saved.
    const saved: string[] = [];
    try {
      if (Object.keys(t).length) {
        ticker = await client.rest.patch<Ticker>(`/tickers/${ticker.id}`, t);
        onSaved(ticker);
        saved.push('the ticker');
      }
      if (Object.keys(c).length) {
        try {
          fillChat(await client.rest.patch<ChatSettings>(`/tickers/${ticker.id}/chat-settings`, c));
          saved.push('the chat');
        } catch (err) {
          showErrors(form, out, err, 'chat.');
          if (saved.length) out.textContent = `Saved ${saved.join(' and ')}; the chat settings were not: ${out.textContent}`;
          return;
        }
      }
      say(out, 'Settings saved.');
    } catch (err) {
      showErrors(form, out, err);
    } finally {
      save.disabled = false;
    }
  });
  if (opts.chatOnly) return form;
  const box = el('div');
  box.append(form, templatesList(client, ticker));
  return box;
}

/** The templates the desk of this ticker uses (its own and the newsroom's): who made them, and delete. */
function templatesList(client: LivetickerClient, ticker: Ticker): HTMLElement {
  const section = el('section', { class: 'ltx-templates', 'aria-label': 'Templates' });
  const list = el('ul', { class: 'ltx-log templates' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  section.append(el('h2', {}, 'Templates'), el('p', { class: 'meta' }, 'New ones are made from the entry form (“Save as template…”).'), out, list);
  const load = async () => {
    try {
      const got = await client.rest.get<{ items: EntryTemplate[] }>(`/tickers/${ticker.id}/templates`);
      list.replaceChildren(
        ...got.items.map((tpl) => {
          const li = el('li', { 'data-id': tpl.id });
          li.append(
            el('strong', {}, tpl.name),
            el('span', { class: 'meta' }, ` · ${tpl.kind} · ${tpl.tickerId ? 'this ticker' : 'every ticker'} · ${tpl.createdBy.displayName}, ${when(tpl.updatedAt)} `),
            confirming('Delete', `Delete the template “${tpl.name}”${tpl.tickerId ? '' : ' for every ticker'}?`, { 'data-action': 'delete-template' }, async () => {
              await client.rest.delete(`/templates/${tpl.id}`);
              say(out, `Template “${tpl.name}” deleted.`);
              await load();
            }, out),
          );
          return li;
        }),
      );
      if (!got.items.length) list.replaceChildren(el('li', { class: 'meta' }, 'No templates.'));
    } catch (err) {
      say(out, errorText(err), 'err');
    }
  };
  void load();
  return section;
}
