import type { FollowTopics } from '@liveticker/schemas';
import { follow, followSupport, shareWithWorker, storedFollow, unfollow } from '../follow';
import { REACH_EVENT } from './reach';
import { el } from './dom';
import { say } from './i18n';
import type { Lang } from './i18n';

export const FOLLOW_CSS = `
.lt-follow{position:relative;display:flex;align-items:center;gap:.4rem;font:.85rem var(--lt-head-font,system-ui,sans-serif)}
.lt-follow button{font:inherit;border:1px solid var(--lt-text,#1a1a1a);background:#fff;color:#1a1a1a;padding:.25rem .6rem;cursor:pointer;width:auto;margin:0;border-radius:3px}
.lt-follow-window{border:1px solid var(--lt-text,#1a1a1a);background:#fff;color:#1a1a1a;padding:.25rem .6rem;border-radius:3px;text-decoration:none}
.lt-follow>button[aria-expanded=true]{background:var(--lt-text,#1a1a1a);color:#fff}
.lt-follow-menu{position:absolute;top:calc(100% + .25rem);right:0;z-index:2;background:#fff;border:1px solid #767676;box-shadow:0 2px 6px rgba(0,0,0,.2);padding:.25rem;display:flex;flex-direction:column;gap:.25rem;min-width:12rem}
.lt-follow-menu[hidden]{display:none}
.lt-follow-menu button{border:0;text-align:left;padding:.4rem .6rem;white-space:nowrap}
.lt-follow-menu button:hover,.lt-follow-menu button:focus{background:#eee}
.lt-follow-state,.lt-follow-hint{color:var(--lt-muted,#595959)}
.lt-follow-error{flex-basis:100%;color:#b00020;font:.85rem var(--lt-head-font,system-ui,sans-serif);margin:0}
`;

export interface FollowControlOptions {
  url: string;
  ticker: string;
  lang: Lang;
  /** The worker registered when the page has none (the element's `sw-url`). */
  swUrl?: string;
}

/**
 * The Follow control beside the Live badge: "Follow" opens a choice (every update, key events
 * only); once followed it says so ("Following · key events") with a Stop button. Absent where the
 * browser cannot follow; on iOS in a Safari tab a hint to add the page to the Home Screen (the
 * only place iOS gives Web Push); in a frame it opens the widget page in a window of its own. `error` is
 * where a failure is said (a status line below the header).
 */
export function followControl(opts: FollowControlOptions, error: HTMLElement): HTMLElement | undefined {
  const support = followSupport();
  if (support === 'no') return undefined;
  const { lang } = opts;
  const box = el('div', { class: 'lt-follow', part: 'follow' });
  if (support === 'home-screen') {
    // iOS in a Safari tab: no button that cannot work, a hint at what would.
    box.append(el('span', { class: 'lt-follow-hint' }, say(lang, 'followHomeScreen')));
    return box;
  }
  if (support === 'frame') {
    // A link (it goes somewhere), looking like the button.
    const href = `${opts.url}/widgets/ticker.html?ticker=${encodeURIComponent(opts.ticker)}&lang=${lang}`;
    box.append(el('a', { class: 'lt-follow-window', href, target: '_blank', rel: 'noopener', 'aria-label': say(lang, 'followWindow') }, say(lang, 'follow')));
    return box;
  }
  // A follow made before the worker kept its own copy: handed to it, so it can renew the subscription.
  shareWithWorker(opts.url, opts.ticker);

  const menuId = `lt-follow-${Math.random().toString(36).slice(2, 10)}`;
  const toggle = el('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': menuId }, say(lang, 'follow'));
  const menu = el('div', { class: 'lt-follow-menu', id: menuId, role: 'group', 'aria-label': say(lang, 'followLabel'), hidden: '' });
  const choices: Array<[FollowTopics, string]> = [
    ['all', say(lang, 'followAll')],
    ['key-events', say(lang, 'followKeys')],
  ];
  const buttons = choices.map(([topics, text]) => {
    const b = el('button', { type: 'button', 'data-topics': topics }, text);
    b.addEventListener('click', () => void act(() => follow({ url: opts.url, ticker: opts.ticker, swUrl: opts.swUrl, lang }, topics), 'follow.start'));
    return b;
  });
  menu.append(...buttons);
  const state = el('span', { class: 'lt-follow-state', role: 'status' });
  const stop = el('button', { type: 'button', class: 'lt-unfollow' }, say(lang, 'unfollow'));

  const setOpen = (open: boolean) => {
    menu.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  };
  const render = () => {
    const f = storedFollow(opts.url, opts.ticker);
    toggle.hidden = !!f;
    stop.hidden = !f;
    state.textContent = f ? say(lang, 'following', { topics: say(lang, f.topics === 'all' ? 'topicsAll' : 'topicsKeys') }) : '';
    if (f) setOpen(false);
  };
  const act = async (fn: () => Promise<unknown>, done: 'follow.start' | 'follow.stop') => {
    error.hidden = true;
    for (const b of [...buttons, stop]) b.disabled = true;
    try {
      await fn();
      // For the reach counting (reach.ts), when the newsroom has it.
      box.dispatchEvent(new CustomEvent(REACH_EVENT, { bubbles: true, detail: done }));
    } catch {
      error.textContent = say(lang, 'followFailed');
      error.hidden = false;
    } finally {
      for (const b of [...buttons, stop]) b.disabled = false;
      render();
      (toggle.hidden ? stop : toggle).focus();
    }
  };
  toggle.addEventListener('click', () => {
    const open = menu.hidden;
    setOpen(open);
    if (open) buttons[0].focus();
  });
  menu.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    setOpen(false);
    toggle.focus();
  });
  stop.addEventListener('click', () => void act(() => unfollow(opts), 'follow.stop'));
  box.append(toggle, menu, state, stop);
  render();
  return box;
}

/**
 * A click on a notification for this page: the worker (liveticker-sw.js) asks the open tab to show
 * the entry instead of opening a second one. Returns the listener's removal.
 */
export function onOpenFromNotification(): () => void {
  if (typeof navigator === 'undefined' || !navigator.serviceWorker) return () => undefined;
  const listener = (ev: MessageEvent) => {
    const data = ev.data as { type?: string; url?: string } | null;
    if (data?.type !== 'liveticker:open' || typeof data.url !== 'string') return;
    const to = new URL(data.url, location.href);
    if (to.origin + to.pathname + to.search !== location.origin + location.pathname + location.search) return;
    location.hash = to.hash;
  };
  navigator.serviceWorker.addEventListener('message', listener);
  return () => navigator.serviceWorker.removeEventListener('message', listener);
}
