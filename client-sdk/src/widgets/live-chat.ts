import type { LivetickerClient } from '../client';
import { mountChats } from './chats-widget';
import type { ChatLogin } from './chat-login';
import { el } from './dom';
import { say } from './i18n';
import type { Lang } from './i18n';
import './i18n.chats';

const TABS_CSS = `.lt-tabs{all:initial;display:flex;gap:.25rem;border-bottom:1px solid #ccc;margin-bottom:.5rem;font:15px/1.45 system-ui,sans-serif}
.lt-tabs[hidden]{display:none}.lt-tabs button{font:inherit;background:none;border:0;border-bottom:3px solid transparent;padding:.35rem .8rem;cursor:pointer;color:#454545;min-height:1.75rem}
.lt-tabs button[aria-selected=true]{border-bottom-color:#0a5bd3;color:#1a1a1a;font-weight:600}.lt-tabs button:focus-visible{outline:2px solid #0a5bd3;outline-offset:-2px}
[role=tabpanel][hidden]{display:none}`;

type Tab = 'discussion' | 'chats';

/**
 * Tabs over `<liveticker-live>`'s chat (the ARIA tabs pattern: arrows move between them): this
 * ticker's discussion, and the reader's Chats. Hidden until `show(true)` (a login).
 */
function chatTabs(box: HTMLElement, discussion: HTMLElement, lang: Lang) {
  const list = el('div', { role: 'tablist', class: 'lt-tabs', 'aria-label': say(lang, 'chatTabs') });
  list.hidden = true;
  const names: Tab[] = ['discussion', 'chats'];
  const buttons = {} as Record<Tab, HTMLButtonElement>;
  const panels = {} as Record<Tab, HTMLElement>;
  for (const name of names) {
    buttons[name] = el('button', { type: 'button', role: 'tab', id: `lt-tab-${name}`, 'aria-controls': `lt-panel-${name}` }, say(lang, name === 'chats' ? 'tabChats' : 'tabDiscussion'));
    panels[name] = name === 'discussion' ? discussion : el('div');
    for (const [k, v] of Object.entries({ role: 'tabpanel', id: `lt-panel-${name}`, 'aria-labelledby': `lt-tab-${name}` })) panels[name].setAttribute(k, v);
    list.append(buttons[name]);
  }
  box.insertBefore(list, discussion);
  discussion.after(panels.chats);
  let listener: (which: Tab) => void = () => undefined;
  const select = (which: Tab, focus = false) => {
    for (const name of names) {
      const on = name === which;
      buttons[name].setAttribute('aria-selected', String(on));
      buttons[name].tabIndex = on ? 0 : -1;
      panels[name].hidden = !on;
    }
    if (focus) buttons[which].focus();
    listener(which);
  };
  for (const name of names) {
    buttons[name].addEventListener('click', () => select(name));
    buttons[name].addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End') return;
      e.preventDefault();
      const other: Tab = name === 'discussion' ? 'chats' : 'discussion';
      select(e.key === 'Home' ? 'discussion' : e.key === 'End' ? 'chats' : other, true);
    });
  }
  select('discussion');
  return {
    panels,
    /** Takes the tabs and the Chats panel out again (the discussion stays). */
    remove() {
      list.remove();
      panels.chats.remove();
      for (const a of ['role', 'id', 'aria-labelledby', 'hidden']) discussion.removeAttribute(a);
    },
    onSelect(fn: (which: Tab) => void) {
      listener = fn;
    },
    /** Shows the tabs (a login) or hides them and goes back to the discussion (logged out). */
    show(on: boolean) {
      list.hidden = !on;
      if (!on && panels.chats.hidden === false) select('discussion');
    },
  };
}

/**
 * `<liveticker-live>`'s tabs over its chat, once the reader has logged in: this ticker's
 * discussion (the chat already mounted in `discussion`) and "Chats", the reader's chats across
 * tickers (mounted the first time it is chosen), on the same connection and login. Logging out
 * hides the tabs and shows the discussion; logging in again shows them.
 */
export function mountLiveTabs(box: HTMLElement, discussion: HTMLElement, opts: { url: string; lang: Lang; client: LivetickerClient; login: ChatLogin }): { unmount: () => void } {
  const style = el('style', {}, TABS_CSS);
  box.prepend(style);
  const tabs = chatTabs(box, discussion, opts.lang);
  let chats: { unmount: () => void } | undefined;
  tabs.onSelect((which) => {
    if (which === 'chats') chats ??= mountChats(tabs.panels.chats, { url: opts.url, lang: opts.lang, client: opts.client, login: opts.login, shadow: false });
  });
  const showTabs = () => tabs.show(opts.login.token !== undefined);
  const offLogin = opts.login.watch(showTabs);
  showTabs();
  return {
    unmount: () => {
      offLogin();
      chats?.unmount();
      style.remove();
      tabs.remove();
    },
  };
}
