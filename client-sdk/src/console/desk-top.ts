import type { Ticker, User } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { LivetickerError } from '../rest';
import { t } from './i18n';
import { button, el, field, showErrors } from './ui';

/** The ticker picker at the top of the desk: the first hundred tickers, and any opened by link or made here. */
export class TickerPicker {
  readonly select = el('select', { name: 'ticker', 'aria-label': t('desk.ticker') });

  constructor(private readonly tickers: Ticker[]) {
    for (const tk of tickers) this.select.append(option(tk));
  }

  has(id: string): boolean {
    return this.tickers.some((tk) => tk.id === id);
  }

  /** Adds a ticker: a new one first, one opened by link last. */
  add(tk: Ticker, where: 'first' | 'last'): void {
    if (where === 'first') {
      this.tickers.unshift(tk);
      this.select.prepend(option(tk));
    } else {
      this.tickers.push(tk);
      this.select.append(option(tk));
    }
  }

  /** A ticker's title or status changed (its settings were saved): its option follows, and stays picked. */
  update(tk: Ticker): void {
    const i = this.tickers.findIndex((x) => x.id === tk.id);
    if (i >= 0) this.tickers[i] = tk;
    this.select.querySelector(`option[value="${tk.id}"]`)?.replaceWith(option(tk));
    this.select.value = tk.id;
  }
}

function option(tk: Ticker): HTMLOptionElement {
  return el('option', { value: tk.id }, `${tk.title} · ${t(tk.status === 'live' ? 'ticker.live' : tk.status === 'ended' ? 'ticker.ended' : 'ticker.scheduled')}`);
}

/**
 * "New ticker": a small form under the top bar (title, and optionally the address name); a
 * taken address is named beside its field. `created` gets the new ticker.
 */
export function newTickerForm(client: LivetickerClient, created: (tk: Ticker) => void): { form: HTMLFormElement; toggle: HTMLButtonElement } {
  const form = el('form', { class: 'ltx-inline', hidden: '', novalidate: '' });
  const title = el('input', { maxlength: '200', name: 'new-title' });
  const id = el('input', { maxlength: '64', placeholder: t('desk.newIdPlaceholder'), name: 'new-id' });
  const out = el('span', { role: 'status' });
  form.append(field(t('desk.newTitle'), title, 'title'), field(t('desk.newId'), id, 'id'), el('button', { type: 'submit', class: 'primary', 'data-action': 'create-ticker' }, t('desk.create')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const tk = await client.rest.post<Ticker>('/tickers', { title: title.value, ...(id.value.trim() && { id: id.value.trim() }), status: 'scheduled' });
      form.hidden = true;
      title.value = id.value = '';
      created(tk);
    } catch (err) {
      // A taken address is a conflict naming the field.
      const details = err instanceof LivetickerError && err.code === 'conflict' ? new LivetickerError('validation_failed', err.message, 409, [{ path: 'id', message: t('desk.idTaken') }]) : err;
      showErrors(form, out, details);
    }
  });
  const toggle = button(t('desk.newTicker'), { 'data-action': 'new-ticker' }, () => {
    form.hidden = !form.hidden;
    if (!form.hidden) form.querySelector('input')?.focus();
  });
  return { form, toggle };
}

/** The desk's top bar: the picker, "New ticker" (editors), who is logged in, the language and "Log out". */
export function deskTop(o: { me: User; picker: TickerPicker; newTicker?: HTMLButtonElement; langSwitch: HTMLElement; logout: () => void }): HTMLElement {
  const top = el('header', { class: 'ltx-top' });
  top.append(el('h1', {}, t('desk.title')), o.picker.select);
  if (o.newTicker) top.append(o.newTicker);
  top.append(el('span', { class: 'me' }, t('desk.me', { name: o.me.displayName, role: t(`role.${o.me.role}`) })), o.langSwitch, button(t('desk.logout'), { 'data-action': 'logout' }, o.logout));
  return top;
}
