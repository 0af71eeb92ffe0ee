import type { Order, TickerSnapshot } from '@liveticker/schemas';
import { createClient } from '../client';
import { mountTicker } from './ticker-widget';
import { mountChat } from './chat-widget';
import { mountChats } from './chats-widget';
import { mountLiveTabs } from './live-chat';
import { pickLang } from './i18n';
import { SCRIPT_SRC } from './dom';

/**
 * The widgets as custom elements, each in a shadow root: the host page's CSS cannot reach in
 * (only the custom properties and `::part()`s the widgets offer), and theirs cannot leak out.
 *
 *   <script src="https://live.example.org/sdk/liveticker.js" async></script>
 *   <liveticker-ticker ticker="election" lang="de"></liveticker-ticker>
 *   <liveticker-chat ticker="election"></liveticker-chat>
 *   <liveticker-live ticker="election"></liveticker-live>   (both, side by side)
 *   <liveticker-chats lang="de"></liveticker-chats>         (the reader's chats across tickers)
 *
 * Attributes: `ticker` (required, except on liveticker-chats), `server` (default: where the script came from), `order`
 * (`newest`|`oldest`), `lang` (de, en, ru; default the page's language, else English),
 * `page-size` (1–100), `sw-url` (the service worker the Follow button registers when the page has
 * none; default `/liveticker-sw.js`), `analytics="off"` (no reach counting; it is off anyway where
 * the browser sends Global Privacy Control or Do Not Track). Changing one mounts the widget anew.
 */

/** Where this script was loaded from: the server the widgets talk to unless told otherwise. */
const SCRIPT_ORIGIN = SCRIPT_SRC ? new URL(SCRIPT_SRC).origin : undefined;

type Mounted = { unmount: () => void };

/**
 * The state a server-rendered ticker left inside the element (`/tickers/:id/fragment`): the page
 * it shows and the revision it was read at. Anything malformed is ignored (the widget then loads
 * as usual).
 */
const isEntry = (e: unknown): boolean => {
  const x = e as Record<string, unknown> | null;
  return typeof x === 'object' && x !== null && typeof x.id === 'string' && Number.isInteger(x.rev) && Number.isInteger(x.seq) && typeof x.body === 'string' && typeof x.publishedAt === 'string';
};

function renderedState(host: HTMLElement, ticker: string): TickerSnapshot | undefined {
  const text = host.querySelector(':scope > script[type="application/json"][data-liveticker-state]')?.textContent;
  if (!text) return undefined;
  try {
    const s = JSON.parse(text) as Partial<TickerSnapshot> | null;
    const ok =
      s?.v === 1 &&
      s.ticker?.id === ticker &&
      Number.isInteger(s.rev) &&
      typeof s.epoch === 'string' &&
      /^[0-9a-f]{1,32}$/.test(s.epoch) &&
      (s.order === 'newest' || s.order === 'oldest') &&
      [s.items, s.pinned, s.keyEvents].every((list) => Array.isArray(list) && list.every(isEntry)) &&
      (s.nextCursor === null || typeof s.nextCursor === 'string');
    return ok ? (s as TickerSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

/** The element classes, made only where a DOM exists (the SDK also runs in Node). */
function elementClasses() {
  abstract class LivetickerElement extends HTMLElement {
    static observedAttributes = ['server', 'ticker', 'order', 'lang', 'page-size', 'sw-url', 'analytics'];
    protected readonly root: ShadowRoot;
    private mounted?: Mounted;
    private pending = false;

    constructor() {
      super();
      this.root = this.attachShadow({ mode: 'open' });
    }

    protected get options() {
      const size = Number(this.getAttribute('page-size'));
      const order = this.getAttribute('order');
      return {
        url: (this.getAttribute('server') ?? SCRIPT_ORIGIN ?? location.origin).replace(/\/$/, ''),
        ticker: this.getAttribute('ticker') ?? '',
        order: (order === 'oldest' ? 'oldest' : 'newest') as Order,
        lang: pickLang(this.getAttribute('lang') ?? document.documentElement.lang),
        pageSize: Number.isInteger(size) && size >= 1 && size <= 100 ? size : undefined,
        swUrl: this.getAttribute('sw-url') ?? undefined,
        analytics: this.getAttribute('analytics') !== 'off',
      };
    }

    protected abstract mount(): Mounted;

    /** Whether the attributes suffice to mount (a ticker, for all but the Chats panel). */
    protected get mountable(): boolean {
      return Boolean(this.getAttribute('ticker'));
    }

    connectedCallback(): void {
      this.schedule();
    }

    disconnectedCallback(): void {
      this.mounted?.unmount();
      this.mounted = undefined;
    }

    attributeChangedCallback(): void {
      if (this.isConnected) this.schedule();
    }

    /** One mount for a burst of attribute changes (a framework sets them one by one). */
    private schedule(): void {
      if (this.pending) return;
      this.pending = true;
      queueMicrotask(() => {
        this.pending = false;
        this.mounted?.unmount();
        this.mounted = undefined;
        if (!this.isConnected || !this.mountable) return;
        this.mounted = this.mount();
      });
    }
  }

  class TickerElement extends LivetickerElement {
    private rendered = true;
    protected mount(): Mounted {
      const opts = this.options;
      // The server's rendering is taken over once; a later mount (an attribute changed) loads anew.
      const snapshot = this.rendered ? renderedState(this, opts.ticker) : undefined;
      this.rendered = false;
      return mountTicker(this.root, { ...opts, snapshot });
    }
  }

  /** An element with a login: the chat and the Chats panel. */
  abstract class LoginElement extends LivetickerElement {
    /**
     * The newsroom's own accounts: set `element.getToken = () => token` (before or after it is on
     * the page; setting it mounts anew). "Log in" then fires `liveticker-login` on the element.
     */
    get getToken() {
      return this.tokenSource;
    }
    set getToken(fn: (() => string | undefined | Promise<string | undefined>) | undefined) {
      this.tokenSource = fn;
      this.attributeChangedCallback();
    }
    private tokenSource?: () => string | undefined | Promise<string | undefined>;
    constructor() {
      super();
      // Set on the page before this script defined the element: an own property hides the accessor.
      if (Object.prototype.hasOwnProperty.call(this, 'getToken')) {
        const fn = (this as unknown as { getToken?: () => string | undefined }).getToken;
        delete (this as unknown as { getToken?: unknown }).getToken;
        this.tokenSource = fn;
      }
    }
    protected get loginOptions() {
      return {
        // On a host page the widget's own login lives in memory only: the page's storage never holds it.
        tokenStore: 'memory' as const,
        getToken: this.tokenSource,
        onLoginRequest: () => this.dispatchEvent(new CustomEvent('liveticker-login', { bubbles: true, composed: true })),
      };
    }
  }

  class ChatElement extends LoginElement {
    protected mount(): Mounted {
      return mountChat(this.root, { ...this.options, ...this.loginOptions });
    }
  }

  /** The reader's chats across tickers (`<liveticker-chats>`): needs no `ticker`. */
  class ChatsElement extends LoginElement {
    protected override get mountable(): boolean {
      return true;
    }
    protected mount(): Mounted {
      const { url, lang, pageSize } = this.options;
      return mountChats(this.root, { url, lang, pageSize, ...this.loginOptions });
    }
  }

  /**
   * The ticker and the chat beside it (stacked on narrow screens), on one connection. A logged-in
   * reader gets tabs over the chat: this ticker's discussion, and their Chats across tickers.
   */
  class LiveElement extends LivetickerElement {
    protected mount(): Mounted {
      const opts = this.options;
      const client = createClient({ url: opts.url, withCredentials: true });
      const style = document.createElement('style');
      style.textContent = ':host{display:block}.lt-pair{all:initial;display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}.lt-pair>div{min-width:0}';
      const pair = document.createElement('div');
      pair.className = 'lt-pair';
      const tickerBox = document.createElement('div');
      tickerBox.style.flex = '2 1 28rem';
      const chatBox = document.createElement('div');
      chatBox.style.flex = '1 1 20rem';
      pair.append(tickerBox, chatBox);
      this.root.replaceChildren(style, pair);
      const ticker = mountTicker(tickerBox, { ...opts, client, shadow: false });
      const discussion = document.createElement('div');
      chatBox.append(discussion);
      // The chat's login is the Chats tab's too; the tabs (and their script) come with its first
      // change, which is a login (the login starts empty here: tokenStore memory).
      let tabs: Mounted | undefined;
      const chat = mountChat(discussion, {
        ...opts,
        client,
        shadow: false,
        tokenStore: 'memory',
        onLogin: (login) => (tabs ??= mountLiveTabs(chatBox, discussion, { url: opts.url, lang: opts.lang, client, login })),
      });
      return {
        unmount: () => {
          tabs?.unmount();
          ticker.unmount();
          chat.unmount();
          client.close();
          this.root.replaceChildren();
        },
      };
    }
  }

  return { TickerElement, ChatElement, ChatsElement, LiveElement };
}

/** Defines the elements once (a second copy of the script on a page changes nothing). */
export function defineElements(): void {
  if (typeof customElements === 'undefined') return;
  if (typeof customElements === 'undefined' || customElements.get('liveticker-ticker')) return;
  const { TickerElement, ChatElement, ChatsElement, LiveElement } = elementClasses();
  for (const [name, ctor] of [
    ['liveticker-ticker', TickerElement],
    ['liveticker-chat', ChatElement],
    ['liveticker-chats', ChatsElement],
    ['liveticker-live', LiveElement],
  ] as const) {
    if (!customElements.get(name)) customElements.define(name, ctor);
  }
}
