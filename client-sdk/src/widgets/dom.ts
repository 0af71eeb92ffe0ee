/**
 * The URL of the script these widgets came in (read while it runs; undefined in an ES module or
 * outside a browser): the server they talk to unless told otherwise, and where the chat's script is.
 */
export const SCRIPT_SRC: string | undefined = (() => {
  try {
    return (document.currentScript as HTMLScriptElement | null)?.src || undefined;
  } catch {
    return undefined;
  }
})();

/** Creates an element; text goes in as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * What every widget's style starts with. Its outermost element (`.lt-root`) resets everything
 * the host page would pass down (font, line height, alignment, letter spacing…): `:host` alone
 * cannot, since a page rule matching the element itself (`* {…}`) beats it. So the page's CSS
 * reaches the widget only through the custom properties and parts it offers.
 */
export const BASE_CSS = `
:host{display:block}
.lt-root{all:initial;display:block}
:host([hidden]){display:none}
[hidden]{display:none!important}
.lt-sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
button{font:inherit;text-transform:none;letter-spacing:normal;min-height:1.75rem}
button:focus-visible,a:focus-visible,textarea:focus-visible,input:focus-visible{outline:2px solid #0a5bd3;outline-offset:2px}
`;

/** The text of sanitized HTML, without running or loading anything in it. */
export function plainText(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return (doc.body.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * A time as a reader reads it beside an entry: `time` (HH:MM), `date` only for another day than
 * today, `label` both in words (for screen readers and titles).
 */
export function formatTime(iso: string, lang: string, withDate = false): { time: string; date?: string; label: string } {
  const d = new Date(iso);
  const time = d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
  const today = new Date();
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  const date = sameDay && !withDate ? undefined : d.toLocaleDateString(lang, { day: 'numeric', month: 'short', ...(d.getFullYear() !== today.getFullYear() ? { year: 'numeric' } : {}) });
  return { time, date, label: date ? `${date}, ${time}` : time };
}

/**
 * Keeps a list's children in step with items, keyed by id: an unchanged item keeps its node (so
 * the browser's scroll anchoring holds and nothing is read again), a changed one gets a new node
 * in its place, and nodes move only when their order changed.
 */
export class KeyedList<T extends { id: string }> {
  private readonly nodes = new Map<string, { key: string; node: HTMLElement }>();

  constructor(
    private readonly parent: HTMLElement,
    private readonly render: (item: T) => HTMLElement,
    private readonly keyOf: (item: T) => string,
  ) {}

  node(id: string): HTMLElement | undefined {
    return this.nodes.get(id)?.node;
  }

  update(items: T[], empty?: () => HTMLElement): void {
    const wanted = new Set(items.map((i) => i.id));
    for (const [id, { node }] of this.nodes) {
      if (wanted.has(id)) continue;
      node.remove();
      this.nodes.delete(id);
    }
    // Whatever else is in the list (the "no entries yet" note) goes.
    for (const child of Array.from(this.parent.children)) {
      const id = (child as HTMLElement).dataset.id;
      if (!id || this.nodes.get(id)?.node !== child) child.remove();
    }
    let cursor: Element | null = this.parent.firstElementChild;
    for (const item of items) {
      const key = this.keyOf(item);
      let have = this.nodes.get(item.id);
      if (!have || have.key !== key) {
        const node = this.render(item);
        if (have) {
          if (cursor === have.node) cursor = node;
          have.node.replaceWith(node);
        }
        have = { key, node };
        this.nodes.set(item.id, have);
      }
      if (have.node === cursor) cursor = cursor.nextElementSibling;
      else this.parent.insertBefore(have.node, cursor);
    }
    if (items.length === 0 && empty) this.parent.append(empty());
  }
}

/**
 * Where a widget mounted on `target` draws: a shadow root, so the host page's CSS cannot reach in
 * (only the custom properties and parts the widgets offer) and the widget's cannot leak out, as
 * with the custom elements. A shadow root passed in, or an element that already has an open one,
 * is used as it is; an element that cannot have one (`<ul>`, `<td>`…) gets a `<div>` that does.
 * `shadow: false` draws into the element itself: only for a page that is the widget's own (the
 * server's widget pages) or a widget inside another's shadow root.
 */
export function widgetRoot(target: HTMLElement | ShadowRoot, shadow = true): HTMLElement | ShadowRoot {
  if (!shadow || !(target instanceof HTMLElement)) return target;
  if (target.shadowRoot) return target.shadowRoot;
  try {
    return target.attachShadow({ mode: 'open' });
  } catch {
    const box = document.createElement('div');
    target.replaceChildren(box);
    return box.attachShadow({ mode: 'open' });
  }
}

/**
 * Where the chat's own login keeps its token by default: the tab's sessionStorage only on the
 * server's own pages (the widget pages); on any other origin in memory, so the host page's
 * storage never holds it.
 */
export function defaultTokenStore(url: string): 'session' | 'memory' {
  try {
    return typeof location !== 'undefined' && new URL(url, location.href).origin === location.origin ? 'session' : 'memory';
  } catch {
    return 'memory';
  }
}
