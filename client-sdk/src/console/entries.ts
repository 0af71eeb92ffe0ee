import type { Entry, EntryList, Ticker } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import type { TickerView } from '../ticker';
import { button, confirming, el, errorText, replaceIfChanged, say, when } from './ui';

export interface DeskEditorLike {
  id: string;
  displayName: string;
  editing: string | null;
}

type Tab = 'published' | 'draft' | 'scheduled';

/**
 * The desk's list: the published entries live (paging back past the first 50), the drafts and
 * the scheduled ones, a search over title and text; each entry with edit, pin, publish, history
 * (and restore) and delete, and who on the desk is editing it right now.
 */
export class EntryPanel {
  readonly element = el('section', { class: 'ltx-list', 'aria-label': 'Entries' });
  private view: TickerView;
  private tab: Tab = 'published';
  private query = '';
  private results: Entry[] = [];
  private resultsCursor: string | null = null;
  private unpublished: Entry[] = [];
  private editors: DeskEditorLike[] = [];
  private readonly list = el('ul', { class: 'ltx-entries entries' });
  private readonly more = el('button', { type: 'button', 'data-action': 'more', hidden: '' }, 'Older entries');
  private readonly out = el('p', { role: 'status', 'aria-live': 'polite' });
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private readonly search = el('input', { type: 'search', name: 'q', placeholder: 'Search title and text', 'aria-label': 'Search entries', maxlength: '100' });
  private readonly history = new Map<string, HTMLElement>();
  private poll: ReturnType<typeof setInterval> | undefined;
  private destroyed = false;
  private readonly rows = new Map<string, { key: string; li: HTMLElement }>();

  constructor(
    private readonly client: LivetickerClient,
    private readonly ticker: Ticker,
    private readonly onEdit: (e: Entry) => void,
  ) {
    this.view = client.ticker(ticker.id, { pageSize: 50 });
    this.view.on('change', () => this.tab === 'published' && !this.query && this.render());
    this.view.on('error', (err) => say(this.out, errorText(err), 'err'));
    const tabs = el('div', { class: 'ltx-tabs', role: 'tablist', 'aria-label': 'Which entries' });
    for (const [t, label] of [
      ['published', 'Published'],
      ['draft', 'Drafts'],
      ['scheduled', 'Scheduled'],
    ] as const) {
      const b = el('button', { type: 'button', role: 'tab', 'aria-selected': String(t === 'published'), 'data-tab': t }, label);
      b.addEventListener('click', () => void this.show(t));
      this.tabs.set(t, b);
      tabs.append(b);
    }
    const searchForm = el('form', { role: 'search', class: 'row' });
    const go = el('button', { type: 'submit', 'data-action': 'search' }, 'Search');
    const clear = el('button', { type: 'button', 'data-action': 'clear-search' }, 'Clear');
    searchForm.append(this.search, go, clear);
    searchForm.style.flexWrap = 'nowrap';
    searchForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.runSearch(this.search.value.trim());
    });
    clear.addEventListener('click', () => {
      this.search.value = '';
      void this.runSearch('');
    });
    this.more.addEventListener('click', () => void this.loadMore());
    this.element.append(el('h2', {}, 'Entries'), tabs, searchForm, this.out, this.list, this.more);
    void this.view.ready.then(() => this.render()).catch(() => undefined);
  }

  setEditors(editors: DeskEditorLike[]): void {
    this.editors = editors;
    for (const li of this.list.querySelectorAll<HTMLElement>('li[data-id]')) this.badge(li, li.getAttribute('data-id')!);
  }

  /** After this console saved something: the unpublished lists are not live, so read them again. */
  refresh(): void {
    if (this.tab !== 'published') void this.loadUnpublished();
    else if (this.query) void this.runSearch(this.query);
  }

  private async show(t: Tab): Promise<void> {
    if (this.destroyed) return;
    this.tab = t;
    for (const [k, b] of this.tabs) b.setAttribute('aria-selected', String(k === t));
    clearInterval(this.poll);
    this.poll = undefined;
    this.history.clear();
    if (t === 'published') {
      if (this.query) await this.runSearch(this.query);
      else this.render();
      return;
    }
    // Drafts and plans are no stream: another editor's new draft shows within a few seconds.
    this.poll = setInterval(() => void this.loadUnpublished(), 5000);
    await this.loadUnpublished();
  }

  private async loadUnpublished(): Promise<void> {
    const tab = this.tab;
    if (tab === 'published') return;
    try {
      const got = await this.client.rest.get<EntryList>(`/tickers/${this.ticker.id}/entries`, { status: tab, limit: 100, ...(this.query && { q: this.query }) });
      if (this.tab !== tab) return;
      this.unpublished = got.items;
      this.render();
    } catch (err) {
      say(this.out, errorText(err), 'err');
    }
  }

  private async runSearch(q: string): Promise<void> {
    this.query = q;
    if (this.tab !== 'published') return this.loadUnpublished();
    if (!q) {
      say(this.out, '', 'meta');
      this.render();
      return;
    }
    try {
      const got = await this.client.rest.get<EntryList>(`/tickers/${this.ticker.id}/entries`, { q, limit: 50 });
      this.results = [...got.pinned, ...got.items.filter((e) => !e.pinned)];
      this.resultsCursor = got.nextCursor;
      say(this.out, `${this.results.length}${got.nextCursor ? '+' : ''} found for “${q}”.`, 'meta');
      this.render();
    } catch (err) {
      say(this.out, errorText(err), 'err');
    }
  }

  private async loadMore(): Promise<void> {
    this.more.disabled = true;
    try {
      if (this.query && this.resultsCursor) {
        const got = await this.client.rest.get<EntryList>(`/tickers/${this.ticker.id}/entries`, { q: this.query, limit: 50, cursor: this.resultsCursor });
        this.results.push(...got.items.filter((e) => !e.pinned));
        this.resultsCursor = got.nextCursor;
        this.render();
      } else {
        await this.view.loadMore();
      }
    } catch (err) {
      say(this.out, errorText(err), 'err');
    } finally {
      this.more.disabled = false;
    }
  }

  private items(): Entry[] {
    if (this.tab !== 'published') return this.unpublished;
    if (this.query) return this.results;
    return [...this.view.pinned, ...this.view.entries];
  }

  private render(): void {
    const items = this.items();
    const rows = items.map((e) => {
      // An entry's row is built once per version: an open question or history in it survives other changes.
      const key = `${e.version}|${e.rev}|${e.pinned}|${e.status}|${e.publishAt}|${e.updatedAt}`;
      let row = this.rows.get(e.id);
      if (!row || row.key !== key) this.rows.set(e.id, (row = { key, li: this.row(e) }));
      return row.li;
    });
    for (const id of this.rows.keys()) if (!items.some((e) => e.id === id)) this.rows.delete(id);
    replaceIfChanged(this.list, rows.length ? rows : [el('li', { class: 'meta' }, this.query ? 'Nothing found.' : this.tab === 'published' ? 'No entries yet.' : `No ${this.tab === 'draft' ? 'drafts' : 'scheduled entries'}.`)]);
    this.more.hidden = this.tab !== 'published' || (this.query ? !this.resultsCursor : !this.view.hasMore);
  }

  private badge(li: HTMLElement, id: string): void {
    li.querySelector('.ltx-badge.editing')?.remove();
    const who = this.editors.filter((x) => x.editing === id).map((x) => x.displayName);
    if (who.length) li.querySelector('.meta')?.prepend(el('span', { class: 'ltx-badge editing', 'data-editing': who.join(', ') }, `${who.join(', ')} ${who.length > 1 ? 'are' : 'is'} editing`));
  }

  private row(e: Entry): HTMLElement {
    const tid = this.ticker.id;
    const li = el('li', { class: e.pinned ? 'pinned' : '', 'data-id': e.id });
    const meta = el('div', { class: 'meta' });
    if (e.status !== 'published') meta.append(el('span', { class: `ltx-badge ${e.status}` }, e.status === 'scheduled' && e.publishAt ? `scheduled ${when(e.publishAt)}` : e.status));
    if (e.pinned) meta.append(el('span', { class: 'ltx-badge' }, 'pinned'));
    meta.append(`${e.status === 'published' ? when(e.publishedAt) : `saved ${when(e.updatedAt)}`} · ${e.kind} · v${e.version} · ${e.author.displayName}`);
    li.append(meta);
    if (e.title) li.append(el('strong', {}, e.title));
    if (e.image) li.append(el('img', { src: e.image.url, alt: e.image.caption ?? '' }));
    const body = el('div', { class: 'body' });
    body.innerHTML = e.body; // sanitized by the server on write
    li.append(body);
    const actions = el('div');
    actions.append(button('Edit', { 'data-action': 'edit' }, () => this.onEdit(e)));
    if (e.status === 'published') {
      actions.append(button(e.pinned ? 'Unpin' : 'Pin', { 'data-action': e.pinned ? 'unpin' : 'pin' }, () => this.act(() => this.client.rest.patch(`/tickers/${tid}/entries/${e.id}`, { version: e.version, pinned: !e.pinned }))));
    } else {
      actions.append(
        button('Publish now', { 'data-action': 'publish' }, () =>
          this.act(async () => {
            await this.client.rest.patch(`/tickers/${tid}/entries/${e.id}`, { version: e.version, status: 'published' });
            say(this.out, 'Published.');
            void this.loadUnpublished();
          }),
        ),
      );
    }
    actions.append(
      button('History', { 'data-action': 'history', 'aria-expanded': 'false' }, () => this.toggleHistory(li, e)),
      confirming('Delete', 'Delete this entry for every reader?', { 'data-action': 'delete' }, async () => {
        await this.client.rest.delete(`/tickers/${tid}/entries/${e.id}`);
        if (this.tab !== 'published') void this.loadUnpublished();
        else if (this.query) void this.runSearch(this.query);
      }, this.out),
    );
    li.append(actions);
    const open = this.history.get(e.id);
    if (open) li.append(open);
    this.badge(li, e.id);
    return li;
  }

  private async act(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      say(this.out, errorText(err), 'err');
    }
  }

  /** Every saved version with who and when; an old one can be looked at and brought back. */
  private async toggleHistory(li: HTMLElement, e: Entry): Promise<void> {
    const toggle = li.querySelector<HTMLElement>('[data-action=history]');
    const shown = this.history.get(e.id);
    if (shown) {
      shown.remove();
      this.history.delete(e.id);
      toggle?.setAttribute('aria-expanded', 'false');
      return;
    }
    const box = el('div', { class: 'ltx-history' });
    try {
      const got = await this.client.rest.get<{ items: Array<{ version: number; savedAt: string; by: { displayName: string } | null; entry: Entry }> }>(`/tickers/${this.ticker.id}/entries/${e.id}/history`);
      const list = el('ul');
      for (const v of got.items) {
        const item = el('li', { 'data-version': String(v.version) });
        const text = el('div', { class: 'body', hidden: '' });
        text.innerHTML = `${v.entry.title ? `<strong></strong>` : ''}${v.entry.body}`; // the server's sanitized HTML
        if (v.entry.title) text.querySelector('strong')!.textContent = v.entry.title;
        item.append(el('span', { class: 'meta' }, `v${v.version} · ${when(v.savedAt)} · ${v.by?.displayName ?? 'unknown'}${v.version === e.version ? ' · current' : ''} `));
        item.append(button('Show', { 'data-action': 'show-version' }, () => (text.hidden = !text.hidden)));
        if (v.version !== e.version) {
          item.append(
            button('Restore', { 'data-action': 'restore' }, () =>
              this.act(async () => {
                await this.client.rest.post(`/tickers/${this.ticker.id}/entries/${e.id}/restore`, { from: v.version, version: e.version });
                say(this.out, `Version ${v.version} restored.`);
                this.history.delete(e.id);
                this.refresh();
              }),
            ),
          );
        }
        item.append(text);
        list.append(item);
      }
      box.append(el('h3', {}, 'Versions'), list);
    } catch (err) {
      box.append(el('p', { class: 'err' }, errorText(err)));
    }
    this.history.set(e.id, box);
    li.append(box);
    toggle?.setAttribute('aria-expanded', 'true');
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.poll);
    this.view.close();
  }
}
