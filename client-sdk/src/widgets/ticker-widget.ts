import type { Entry, Order } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import type { TickerView } from '../ticker';
import { STRINGS, say } from './i18n';
import type { Lang } from './i18n';
import { el } from './dom';

export interface TickerWidgetOptions {
  url: string;
  ticker: string;
  order?: Order;
  lang?: Lang;
  /** Share one connection between widgets on a page (the chat widget's, say). */
  client?: LivetickerClient;
}

const CSS = `
.lt{font:16px/1.5 Georgia,serif;color:#1a1a1a;max-width:44rem}
.lt-head{display:flex;align-items:center;gap:.75rem;flex-wrap:wrap;border-bottom:2px solid #1a1a1a;padding-bottom:.5rem}
.lt-title{font:700 1.35rem/1.2 system-ui,sans-serif;margin:0;flex:1}
.lt-badge{font:700 .75rem system-ui,sans-serif;text-transform:uppercase;padding:.15rem .5rem;border-radius:3px;background:#888;color:#fff}
.lt-badge.live{background:#d0021b}.lt-badge.live::before{content:'● '}
.lt-order button{font:.85rem system-ui,sans-serif;border:1px solid #1a1a1a;background:#fff;padding:.25rem .6rem;cursor:pointer}
.lt-order button[aria-pressed=true]{background:#1a1a1a;color:#fff}
.lt-offline{font:.85rem system-ui,sans-serif;color:#b00020}
.lt-entry{border-bottom:1px solid #ddd;padding:.9rem 0;display:grid;grid-template-columns:4.5rem 1fr;gap:.75rem}
.lt-entry.pinned{background:#fff8e1;padding:.9rem .5rem}
.lt-entry>div{min-width:0}.lt-body p{margin:0 0 .5rem}
.lt-time{font:700 .85rem system-ui,sans-serif;color:#d0021b}
.lt-entry h3{font:700 1.05rem/1.3 system-ui,sans-serif;margin:0 0 .25rem}
.lt-entry.key-event h3::before{content:'⚡ '}
.lt-entry blockquote{margin:0;font-style:italic;border-left:3px solid #d0021b;padding-left:.75rem}
.lt-entry figure{margin:.5rem 0}.lt-entry img{max-width:100%;height:auto;display:block;background:#eee}
.lt-entry figcaption{font:.8rem system-ui,sans-serif;color:#555}.lt-credit{color:#888}
.lt-teaser{display:block;border:1px solid #ddd;padding:.5rem .75rem;margin-top:.5rem;text-decoration:none;color:inherit;font-family:system-ui,sans-serif}
.lt-teaser small{color:#d0021b;text-transform:uppercase;font-weight:700;font-size:.7rem}
.lt-label{font:700 .7rem system-ui,sans-serif;text-transform:uppercase;color:#a06c00}
.lt-more{display:block;margin:1rem auto;font:.9rem system-ui,sans-serif;padding:.5rem 1rem;cursor:pointer}
.lt [hidden]{display:none}
`;

function time(iso: string, lang: Lang): string {
  return new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

/** Renders one entry; the body is HTML the server sanitized on write, every other field is text. */
function renderEntry(e: Entry, lang: Lang, pinnedLabel?: string): HTMLElement {
  const li = el('li', { class: `lt-entry ${e.kind}${pinnedLabel ? ' pinned' : ''}`, 'data-id': e.id });
  li.append(el('div', { class: 'lt-time' }, time(e.publishedAt, lang)));
  const main = el('div');
  if (pinnedLabel) main.append(el('div', { class: 'lt-label' }, pinnedLabel));
  if (e.title) main.append(el('h3', {}, e.title));
  const body = el('div', { class: 'lt-body' });
  body.innerHTML = e.body;
  main.append(body);
  if (e.image) {
    const fig = el('figure');
    const img = el('img', { src: e.image.url, alt: e.image.caption ?? '', loading: 'lazy' });
    if (e.image.width && e.image.height) {
      img.width = e.image.width;
      img.height = e.image.height;
    }
    const cap = el('figcaption', {}, e.image.caption ?? '');
    if (e.image.credit) cap.append(' ', el('span', { class: 'lt-credit' }, e.image.credit));
    fig.append(img, cap);
    main.append(fig);
  }
  if (e.teaser) {
    const a = el('a', { class: 'lt-teaser', href: e.teaser.url, rel: 'noopener' });
    a.append(el('small', {}, STRINGS[lang].related), el('div', {}, e.teaser.title));
    main.append(a);
  }
  li.append(main);
  return li;
}

/** Mounts a live ticker into `root`; returns the view (for tests) and an unmount function. */
export function mountTicker(root: HTMLElement, opts: TickerWidgetOptions): { view: TickerView; unmount: () => void } {
  const lang: Lang = opts.lang ?? 'de';
  const t = STRINGS[lang];
  const client = opts.client ?? createClient({ url: opts.url });
  const view = client.ticker(opts.ticker, { order: opts.order ?? 'newest' });

  root.replaceChildren();
  const style = el('style', {}, CSS);
  const box = el('section', { class: 'lt', 'aria-live': 'polite' });
  const head = el('header', { class: 'lt-head' });
  const title = el('h2', { class: 'lt-title' });
  const badge = el('span', { class: 'lt-badge' });
  const order = el('div', { class: 'lt-order', role: 'group' });
  const newest = el('button', { type: 'button', 'data-order': 'newest' }, t.newest);
  const oldest = el('button', { type: 'button', 'data-order': 'oldest' }, t.oldest);
  order.append(newest, oldest);
  head.append(title, badge, order);
  const offline = el('p', { class: 'lt-offline', hidden: '' }, t.offline);
  const pinned = el('ul', { class: 'lt-pinned', style: 'list-style:none;padding:0;margin:0' });
  const list = el('ul', { class: 'lt-list', style: 'list-style:none;padding:0;margin:0' });
  const more = el('button', { class: 'lt-more', type: 'button' }, t.more);
  box.append(head, offline, pinned, list, more);
  root.append(style, box);

  const render = () => {
    if (view.ticker) {
      title.textContent = view.ticker.title;
      badge.textContent = t[view.ticker.status];
      badge.className = `lt-badge ${view.ticker.status}`;
    }
    newest.setAttribute('aria-pressed', String(view.order === 'newest'));
    oldest.setAttribute('aria-pressed', String(view.order === 'oldest'));
    pinned.replaceChildren(...view.pinned.map((e) => renderEntry(e, lang, t.pinned)));
    list.replaceChildren(...(view.entries.length ? view.entries.map((e) => renderEntry(e, lang)) : [el('li', { class: 'lt-empty' }, t.empty)]));
    more.hidden = !view.hasMore;
    more.textContent = view.order === 'newest' ? t.more : t.moreOldest;
  };
  view.on('change', render);
  // Words for where the connection stands; listeners go with the widget (the client may be shared).
  const show = (text: string | undefined) => {
    if (text === undefined) offline.setAttribute('hidden', '');
    else {
      offline.textContent = text;
      offline.removeAttribute('hidden');
    }
  };
  const offs = [
    client.on('status', (st) => {
      if (st.state === 'online' || st.state === 'connecting') show(undefined);
      else if (st.state === 'refused') show(say(lang, 'originBlocked'));
      else if (st.state === 'polling') show(say(lang, 'polling'));
      else show(say(lang, st.reason === 'restart' ? 'restarting' : 'reconnecting', { s: Math.max(1, Math.round(st.retryInMs / 1000)) }));
    }),
    client.on('error', (err) => {
      if (err.code === 'origin_not_allowed') show(say(lang, 'originBlocked'));
    }),
  ];
  newest.addEventListener('click', () => void view.setOrder('newest'));
  oldest.addEventListener('click', () => void view.setOrder('oldest'));
  more.addEventListener('click', () => void view.loadMore());
  return {
    view,
    unmount: () => {
      for (const off of offs) off();
      view.close();
      if (!opts.client) client.close();
      root.replaceChildren();
    },
  };
}
