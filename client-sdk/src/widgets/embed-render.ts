import { BLUESKY_API, EMBED_PROVIDERS, EMBED_WORDS, embedCompany, embedFrame, embedNeedsDid } from '@liveticker/schemas/wire';
import type { Embed } from '@liveticker/schemas';
import type { EmbedFrame } from '@liveticker/schemas/wire';
import { el } from './dom';
import type { Lang } from './i18n';
import { consentFor, onConsentChange, remember } from './consent';
import { REACH_EVENT } from './reach';

/**
 * An entry's embed in the widget: behind the consent gate until the reader (or the host page, or
 * its CMP) agrees — nothing of the provider's is requested before: the placeholder is our own
 * markup, its link a plain link. After consent the provider's official embed in a sandboxed frame
 * (YouTube through youtube-nocookie.com), lazily loaded; a player's placeholder already has its
 * shape, so the page does not jump when it loads.
 */

export const EMBED_CSS = `.lt-embed{margin:.5rem 0}
.lt-embed-box{position:relative;box-sizing:border-box;width:100%;max-width:100%;background:#f4f4f4;border:1px solid var(--lt-line,#ccc);border-radius:4px}
.lt-embed-box.portrait{max-width:21rem}
.lt-embed-box.framed{background:transparent;border:0}
.lt-embed-box iframe{display:block;position:absolute;inset:0;width:100%;height:100%;border:0}
.lt-embed-gate{box-sizing:border-box;padding:.75rem;font:.85rem/1.4 var(--lt-head-font,system-ui,sans-serif);color:var(--lt-text,#1a1a1a)}
.lt-embed-gate p{margin:0 0 .4rem}.lt-embed-name{font-weight:700;font-size:.95rem}
.lt-embed-gate a,.lt-embed-link a{color:var(--lt-text,#1a1a1a);overflow-wrap:anywhere}
.lt-embed-actions{display:flex;flex-wrap:wrap;gap:.4rem;margin-top:.5rem}
.lt-embed-actions button{font:700 .85rem var(--lt-head-font,system-ui,sans-serif);padding:.35rem .8rem;border-radius:3px;cursor:pointer;width:auto;margin:0;border:1px solid var(--lt-accent,#c00018)}
.lt-embed-show{background:var(--lt-accent,#c00018);color:#fff}.lt-embed-always{background:#fff;color:#1a1a1a}
.lt-embed-withdraw{font:.75rem var(--lt-head-font,system-ui,sans-serif);background:none;border:0;padding:.2rem 0;margin:0;color:var(--lt-muted,#595959);text-decoration:underline;cursor:pointer;width:auto;min-height:0}
.lt-embed-link{border-left:3px solid var(--lt-line,#ccc);padding:.25rem .6rem;font-family:var(--lt-head-font,system-ui,sans-serif)}
.lt-embed figcaption{font:.8rem var(--lt-head-font,system-ui,sans-serif);color:#454545;margin-top:.25rem}`;

/** Embeds the reader showed once on this page ("Show" without "Always"; `provider canonical`): they stay shown when redrawn. */
const shownOnce = new Set<string>();
/** Bluesky handles resolved to their account ids (asked once per page, after consent). */
const dids = new Map<string, Promise<string | undefined>>();
/** Every embed drawn, redrawn when consent changes; those taken off the page are forgotten. */
const drawn = new Set<{ node: HTMLElement; seen: boolean; update: () => void }>();
let listening = false;

/** Forgets the embeds that were on the page and are gone (an entry drawn anew, deleted, unmounted). */
function sweep(each?: (d: { update: () => void }) => void): void {
  for (const d of [...drawn]) {
    if (d.node.isConnected) {
      d.seen = true;
      each?.(d);
    } else if (d.seen) drawn.delete(d);
  }
}

/** Frames shown, and what to draw instead when the page's CSP refuses to load one. */
const blockedBack = new WeakMap<HTMLIFrameElement, () => void>();

function listen(): void {
  if (listening) return;
  listening = true;
  onConsentChange(() => sweep((d) => d.update()));
  document.addEventListener('securitypolicyviolation', (ev) => {
    if (ev.effectiveDirective !== 'frame-src' && ev.effectiveDirective !== 'child-src') return;
    for (const d of drawn) {
      const frame = d.node.querySelector('iframe');
      if (frame && ev.blockedURI && frame.src.startsWith(ev.blockedURI)) blockedBack.get(frame)?.();
    }
  });
}

function resolveDid(handle: string): Promise<string | undefined> {
  let p = dids.get(handle);
  if (!p) {
    p = fetch(`${BLUESKY_API}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`, { credentials: 'omit', referrerPolicy: 'no-referrer' })
      .then((r) => (r.ok ? (r.json() as Promise<{ did?: unknown }>) : undefined))
      .then((j) => (typeof j?.did === 'string' && /^did:(plc|web):[\w.:%-]+$/.test(j.did) ? j.did : undefined))
      .catch(() => undefined);
    dids.set(handle, p);
  }
  return p;
}

function caption(e: Embed): HTMLElement | undefined {
  if (!e.caption && !e.credit) return undefined;
  const cap = el('figcaption', {}, e.caption ?? '');
  if (e.credit) cap.append(' ', el('span', { class: 'lt-credit' }, e.credit));
  return cap;
}

function frameNode(f: EmbedFrame): HTMLIFrameElement {
  const frame = el('iframe', { src: f.src, title: f.title, loading: 'lazy', sandbox: f.sandbox, referrerpolicy: 'strict-origin-when-cross-origin' });
  if (f.allow) frame.setAttribute('allow', f.allow);
  return frame;
}

/** An embed's figure: a link card, or the gate that becomes the provider's frame. */
export function renderEmbed(e: Embed, lang: Lang): HTMLElement {
  const link = el('a', { href: e.canonical, rel: 'noopener nofollow', target: '_blank', class: 'lt-embed-url' }, e.canonical);
  if (e.provider === 'link') {
    const fig = el('figure', { class: 'lt-embed lt-embed-link', 'data-provider': 'link' });
    fig.append(link);
    const cap = caption(e);
    if (cap) fig.append(cap);
    return fig;
  }
  const provider = e.provider;
  const info = EMBED_PROVIDERS[provider];
  const w = EMBED_WORDS[lang];
  const fig = el('figure', { class: 'lt-embed', 'data-provider': provider, role: 'group', 'aria-label': w.label(info.name) });
  const box = el('div', { class: 'lt-embed-box' });
  // Only the frame's shape is read here (a stand-in DID for a Bluesky handle not resolved yet).
  const shape = embedFrame(e, 'did:plc:placeholder');
  // The player's shape from the start: its placeholder holds the place its frame will take.
  if (shape?.ratio) box.style.aspectRatio = String(shape.ratio);
  // An upright video (shorts, TikTok) as wide as a phone, not as the column.
  if (shape?.ratio && shape.ratio < 1) box.classList.add('portrait');
  else if (shape?.height && info.shape === 'audio') box.style.minHeight = `${shape.height}px`;
  const kept = el('p', { class: 'lt-embed-kept', hidden: '' });
  const withdraw = el('button', { type: 'button', class: 'lt-embed-withdraw' }, w.withdraw(info.name));
  kept.append(withdraw);
  fig.append(box, kept);
  const cap = caption(e);
  if (cap) fig.append(cap);
  let showing = false;
  const once = `${provider} ${e.canonical}`;

  const gate = (state: ReturnType<typeof consentFor>) => {
    const g = el('div', { class: 'lt-embed-gate' });
    g.append(el('p', { class: 'lt-embed-name' }, info.name), el('p', {}, w.notice(info.name, embedCompany(e))));
    const p = el('p');
    p.append(link);
    g.append(p);
    if (state.askable) {
      const actions = el('div', { class: 'lt-embed-actions' });
      const show = el('button', { type: 'button', class: 'lt-embed-show' }, w.show);
      const always = el('button', { type: 'button', class: 'lt-embed-always' }, w.always(info.name));
      // The reader's own yes counts in the ticker's reach (a host page's or CMP's decision does not).
      const counted = () => g.dispatchEvent(new CustomEvent(REACH_EVENT, { bubbles: true, detail: { type: 'embed.consent', provider } }));
      show.addEventListener('click', () => {
        counted();
        shownOnce.add(once);
        update(true);
      });
      always.addEventListener('click', () => {
        counted();
        shownOnce.add(once);
        remember(provider, true);
      });
      actions.append(show, always);
      g.append(actions);
    }
    return g;
  };

  const showFrame = async (focus: boolean) => {
    const needs = embedNeedsDid(e);
    const did = needs ? await resolveDid(needs) : undefined;
    if (!showing) return;
    const f = embedFrame(e, did);
    if (!f) {
      // A handle that did not resolve: the link is all there is.
      box.replaceChildren(gate({ allowed: false, askable: false, remembered: false }));
      return;
    }
    // The frame takes the placeholder's place at least at its size: no jump.
    const before = box.getBoundingClientRect().height;
    if (f.height) box.style.height = `${f.height}px`;
    else if (before > 0) box.style.minHeight = `${Math.ceil(before)}px`;
    box.classList.add('framed');
    const frame = frameNode(f);
    // The page's CSP may not name this frame's host (a Mastodon server a live entry brought after
    // the widget page was served): then the link is all there is, not an empty box.
    blockedBack.set(frame, () => {
      box.classList.remove('framed');
      box.style.height = '';
      box.style.minHeight = '';
      box.replaceChildren(gate({ allowed: false, askable: false, remembered: false }));
    });
    box.replaceChildren(frame);
    if (focus) frame.focus();
  };

  function update(focus = false): void {
    const state = consentFor(provider);
    // "Show" once counts only while the reader may choose: the host page's "no" overrides it.
    const want = state.allowed || (state.askable && shownOnce.has(once));
    kept.hidden = !(state.allowed && state.remembered);
    // A frame stays as it is; a gate is drawn anew (whether the reader may still choose changed).
    if (want && showing) return;
    showing = want;
    if (want) void showFrame(focus);
    else {
      box.classList.remove('framed');
      box.style.height = '';
      box.style.minHeight = shape?.height && info.shape === 'audio' ? `${shape.height}px` : '';
      box.replaceChildren(gate(state));
    }
  }
  withdraw.addEventListener('click', () => {
    for (const key of [...shownOnce]) if (key.startsWith(`${provider} `)) shownOnce.delete(key);
    remember(provider, false);
    // Withdrawn: every embed of the provider is its placeholder again, this one's Show focused.
    fig.querySelector<HTMLElement>('.lt-embed-show')?.focus();
  });
  listen();
  sweep();
  drawn.add({ node: fig, seen: false, update: () => update() });
  update();
  return fig;
}
