import type { ChatSettings, EntryTemplate, Ticker } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { LivetickerError } from '../rest';
import { LANGS, LANGUAGE_NAMES, t, when } from './i18n';
import { clearErrors, confirming, el, errorText, field, fromLocalInput, say, showErrors, toLocalInput } from './ui';

/** A number field's value: the number, or what was typed (so the server names the field). */
const num = (input: HTMLInputElement): unknown => (input.value.trim() !== '' && Number.isFinite(Number(input.value)) ? Number(input.value) : input.value);
const words = (area: HTMLTextAreaElement): string[] =>
  area.value
    .split(/\n|,/)
    .map((w) => w.trim())
    .filter(Boolean);

/**
 * The ticker's settings (title, description, status, coverage window, language, pins, picture
 * credits) and its chat's (mode, slow mode, rate limits, duplicate window, word lists) in one
 * form; only what changed is sent, and a refused value is named beside its field.
 */
export function settingsPanel(client: LivetickerClient, ticker: Ticker, onSaved: (saved: Ticker) => void, opts: { chatOnly?: boolean } = {}): HTMLElement {
  const form = el('form', { class: 'ltx-settings', 'aria-label': t('settings.form'), novalidate: '' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  const title = el('input', { value: ticker.title, maxlength: '200' });
  const description = el('textarea', { rows: '2', maxlength: '2000' });
  description.value = ticker.description;
  const status = el('select');
  for (const s of ['scheduled', 'live', 'ended'] as const) status.append(el('option', { value: s }, t(s === 'scheduled' ? 'settings.statusScheduled' : s === 'live' ? 'settings.statusLive' : 'settings.statusEnded')));
  status.value = ticker.status;
  const locale = el('select');
  for (const l of LANGS) locale.append(el('option', { value: l, lang: l }, LANGUAGE_NAMES[l]));
  locale.value = ticker.locale;
  const start = el('input', { type: 'datetime-local', value: toLocalInput(ticker.coverageStart) });
  const end = el('input', { type: 'datetime-local', value: toLocalInput(ticker.coverageEnd) });
  const maxPinned = el('input', { type: 'number', min: '1', max: '10', value: String(ticker.maxPinned), inputmode: 'numeric' });
  const credit = el('input', { type: 'checkbox' });
  credit.checked = ticker.requireImageCredit;
  credit.setAttribute('data-field', 'requireImageCredit');
  credit.name = 'requireImageCredit';
  // Readers see the open questions to the desk and upvote them.
  const publicQuestions = el('input', { type: 'checkbox', name: 'questionsPublic', 'data-field': 'questions.public' });
  publicQuestions.checked = ticker.questions.public;
  const publicLabel = el('label', { class: 'inline' });
  publicLabel.append(publicQuestions, t('questions.public'));

  const mode = el('select');
  for (const [v, l] of [
    ['open', 'settings.modeOpen'],
    ['premoderated', 'settings.modePremoderated'],
    ['closed', 'settings.modeClosed'],
  ] as const) {
    mode.append(el('option', { value: v }, t(l)));
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
  dates.append(field(t('settings.coverageStart'), start, 'coverageStart'), field(t('settings.coverageEnd'), end, 'coverageEnd'));
  const row2 = el('div', { class: 'row' });
  row2.append(field(t('settings.status'), status, 'status'), field(t('settings.language'), locale, 'locale'), field(t('settings.maxPinned'), maxPinned, 'maxPinned'));
  const creditLabel = el('label', { class: 'inline' });
  creditLabel.append(credit, t('settings.credit'));
  tickerBox.append(el('legend', {}, t('settings.ticker')), field(t('settings.tickerTitle'), title, 'title'), field(t('settings.description'), description, 'description'), row2, dates, creditLabel, el('span', { class: 'field-error', 'data-error-for': 'requireImageCredit' }), publicLabel);
  const chatBox = el('fieldset');
  const limits = el('div', { class: 'row' });
  limits.append(field(t('settings.slow'), slow, 'chat.slowModeSeconds'), field(t('settings.burst'), burst, 'chat.rateLimit.burst'), field(t('settings.perMinute'), perMinute, 'chat.rateLimit.perMinute'), field(t('settings.duplicate'), dup, 'chat.duplicateWindowSeconds'));
  const lists = el('div', { class: 'row' });
  lists.append(field(t('settings.banned'), banned, 'chat.bannedWords'), field(t('settings.watch'), watch, 'chat.watchWords'));
  chatBox.append(el('legend', {}, t('settings.chat')), field(t('settings.mode'), mode, 'chat.mode'), limits, lists);
  const save = el('button', { type: 'submit', class: 'primary', 'data-action': 'save-settings' }, t('settings.save'));
  // Moderators run the room (mode, slow mode, limits, words), not the ticker.
  tickerBox.hidden = Boolean(opts.chatOnly);
  form.append(el('h2', {}, t(opts.chatOnly ? 'settings.chatTitle' : 'settings.title')), tickerBox, chatBox, save, out);

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
    if (!(err instanceof LivetickerError && err.code === 'forbidden')) say(out, t('settings.chatFailed', { error: err.message }), 'err');
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const tk: Record<string, unknown> = {};
    if (!opts.chatOnly) {
    if (title.value !== ticker.title) tk.title = title.value;
    if (description.value !== ticker.description) tk.description = description.value;
    if (status.value !== ticker.status) tk.status = status.value;
    if (locale.value !== ticker.locale) tk.locale = locale.value;
    const s = fromLocalInput(start.value) ?? null;
    const en = fromLocalInput(end.value) ?? null;
    if (toLocalInput(s) !== toLocalInput(ticker.coverageStart)) tk.coverageStart = s;
    if (toLocalInput(en) !== toLocalInput(ticker.coverageEnd)) tk.coverageEnd = en;
    if (maxPinned.value !== String(ticker.maxPinned)) tk.maxPinned = num(maxPinned);
    if (credit.checked !== ticker.requireImageCredit) tk.requireImageCredit = credit.checked;
    if (publicQuestions.checked !== ticker.questions.public) tk.questions = { public: publicQuestions.checked };
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
    if (!Object.keys(tk).length && !Object.keys(c).length) {
      say(out, t('ui.nothingChanged'), 'meta');
      return;
    }
    save.disabled = true;
    // The ticker first, then the chat: each part says whether it was saved.
    let tickerSaved = false;
    try {
      if (Object.keys(tk).length) {
        ticker = await client.rest.patch<Ticker>(`/tickers/${ticker.id}`, tk);
        onSaved(ticker);
        tickerSaved = true;
      }
      if (Object.keys(c).length) {
        try {
          fillChat(await client.rest.patch<ChatSettings>(`/tickers/${ticker.id}/chat-settings`, c));
        } catch (err) {
          showErrors(form, out, err, 'chat.');
          if (tickerSaved) out.textContent = t('settings.chatNotSaved', { error: out.textContent ?? '' });
          return;
        }
      }
      say(out, t('settings.saved'));
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
  const section = el('section', { class: 'ltx-templates', 'aria-label': t('templates.title') });
  const list = el('ul', { class: 'ltx-log templates' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  section.append(el('h2', {}, t('templates.title')), el('p', { class: 'meta' }, t('templates.hint')), out, list);
  const load = async () => {
    try {
      const got = await client.rest.get<{ items: EntryTemplate[] }>(`/tickers/${ticker.id}/templates`);
      list.replaceChildren(
        ...got.items.map((tpl) => {
          const li = el('li', { 'data-id': tpl.id });
          li.append(
            el('strong', {}, tpl.name),
            el('span', { class: 'meta' }, t('templates.line', { kind: t(`kind.${tpl.kind}`), scope: t(tpl.tickerId ? 'templates.thisTicker' : 'templates.everyTicker'), by: tpl.createdBy.displayName, when: when(tpl.updatedAt) })),
            confirming(t('ui.delete'), t(tpl.tickerId ? 'templates.deleteAsk' : 'templates.deleteAskEverywhere', { name: tpl.name }), { 'data-action': 'delete-template' }, async () => {
              await client.rest.delete(`/templates/${tpl.id}`);
              say(out, t('templates.deleted', { name: tpl.name }));
              await load();
            }, out),
          );
          return li;
        }),
      );
      if (!got.items.length) list.replaceChildren(el('li', { class: 'meta' }, t('templates.none')));
    } catch (err) {
      say(out, errorText(err), 'err');
    }
  };
  void load();
  return section;
}
