import type { Entry, EntryList, Poll, PollResults, Ticker } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import type { TickerView } from '../ticker';
import { same } from './draft';
import { t, when } from './i18n';
import { button, confirming, el, errorText, replaceIfChanged, say } from './ui';

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
  readonly element = el('section', { class: 'ltx-list', 'aria-label': t('entries.title') });
  private view: TickerView;
  private tab: Tab = 'published';
  private query = '';
  private results: Entry[] = [];
  private resultsCursor: string | null = null;
  private unpublished: Entry[] = [];
  private editors: DeskEditorLike[] = [];
  private readonly list = el('ul', { class: 'ltx-entries entries' });
  private readonly more = el('button', { type: 'button', 'data-action': 'more', hidden: '' }, t('entries.older'));
  private readonly out = el('p', { role: 'status', 'aria-live': 'polite' });
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private readonly search = el('input', { type: 'search', name: 'q', placeholder: t('entries.searchPlaceholder'), 'aria-label': t('entries.search'), maxlength: '100' });
  private readonly history = new Map<string, HTMLElement>();
  private poll: ReturnType<typeof setInterval> | undefined;
  /**
   * The counts of open polls whose readers may not see them yet (`after-vote`, `after-close`):
   * the stream carries none (an `after-vote` poll's change comes without them, an `after-close`
   * poll makes none for a vote), so the desk reads them every HIDDEN_COUNTS_MS.
   */
  private readonly hiddenCounts = new Map<string, PollResults>();
  private countsTimer: ReturnType<typeof setTimeout> | undefined;
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
    const tabs = el('div', { class: 'ltx-tabs', role: 'tablist', 'aria-label': t('entries.which') });
    for (const [tab, label] of [
      ['published', 'entries.published'],
      ['draft', 'entries.drafts'],
      ['scheduled', 'entries.scheduled'],
    ] as const) {
      const b = el('button', { type: 'button', role: 'tab', 'aria-selected': String(tab === 'published'), 'data-tab': tab }, t(label));
      b.addEventListener('click', () => void this.show(tab));
      this.tabs.set(tab, b);
      tabs.append(b);
    }
    const searchForm = el('form', { role: 'search', class: 'row' });
    const go = el('button', { type: 'submit', 'data-action': 'search' }, t('ui.search'));
    const clear = el('button', { type: 'button', 'data-action': 'clear-search' }, t('entries.clear'));
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
    this.element.append(el('h2', {}, t('entries.title')), tabs, searchForm, this.out, this.list, this.more);
    void this.view.ready.then(() => this.render()).catch(() => undefined);
    this.countsTimer = setTimeout(() => void this.readHiddenCounts(), HIDDEN_COUNTS_MS);
  }

  /**
   * Reads the counts of the published open polls the stream shows without them (one round at a
   * time, the next HIDDEN_COUNTS_MS after it ends) and puts each poll's new counts in its row in
   * place: an open question in the row ("Close the poll now?") and the focus stay.
   */
  private async readHiddenCounts(): Promise<void> {
    try {
      if (this.tab !== 'published' || document.hidden) return;
      const hidden = this.items().filter((e) => e.poll && !e.poll.closed && e.poll.resultsMode !== 'always');
      for (const id of this.hiddenCounts.keys()) if (!hidden.some((e) => e.id === id)) this.hiddenCounts.delete(id);
      for (const e of hidden) {
        if (this.destroyed) return;
        try {
          const got = await this.client.rest.get<Entry>(`/tickers/${this.ticker.id}/entries/${e.id}`);
          const counts = got.poll?.results;
          if (!counts || same(counts, this.hiddenCounts.get(e.id))) continue;
          this.hiddenCounts.set(e.id, counts);
          this.rows.get(e.id)?.li.querySelector('[data-poll]')?.replaceWith(pollSummary(e.poll!, counts));
        } catch {
          // Gone or unreachable: the next round asks again, the stream tells the rest.
        }
      }
    } finally {
      if (!this.destroyed) this.countsTimer = setTimeout(() => void this.readHiddenCounts(), HIDDEN_COUNTS_MS);
    }
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

  private async show(tab: Tab): Promise<void> {
    if (this.destroyed) return;
    this.tab = tab;
    for (const [k, b] of this.tabs) b.setAttribute('aria-selected', String(k === tab));
    clearInterval(this.poll);
    this.poll = undefined;
    this.history.clear();
    if (tab === 'published') {
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
      say(this.out, t('entries.found', { n: `${this.results.length}${got.nextCursor ? '+' : ''}`, q }), 'meta');
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
    replaceIfChanged(this.list, rows.length ? rows : [el('li', { class: 'meta' }, t(this.query ? 'entries.nothingFound' : this.tab === 'published' ? 'entries.none' : this.tab === 'draft' ? 'entries.noDrafts' : 'entries.noScheduled'))]);
    this.more.hidden = this.tab !== 'published' || (this.query ? !this.resultsCursor : !this.view.hasMore);
  }

  private badge(li: HTMLElement, id: string): void {
    li.querySelector('.ltx-badge.editing')?.remove();
    const who = this.editors.filter((x) => x.editing === id).map((x) => x.displayName);
    if (who.length) li.querySelector('.meta')?.prepend(el('span', { class: 'ltx-badge editing', 'data-editing': who.join(', ') }, t(who.length > 1 ? 'entries.editingMany' : 'entries.editingOne', { names: who.join(', ') })));
  }

  private row(e: Entry): HTMLElement {
    const tid = this.ticker.id;
    const li = el('li', { class: e.pinned ? 'pinned' : '', 'data-id': e.id });
    const meta = el('div', { class: 'meta' });
    if (e.status !== 'published') meta.append(el('span', { class: `ltx-badge ${e.status}` }, e.status === 'scheduled' && e.publishAt ? t('entries.scheduledAt', { when: when(e.publishAt) }) : t(`status.${e.status}`)));
    if (e.pinned) meta.append(el('span', { class: 'ltx-badge' }, t('entries.pinned')));
    meta.append(`${e.status === 'published' ? when(e.publishedAt) : t('entries.savedAt', { when: when(e.updatedAt) })} · ${t(`kind.${e.kind}`)} · v${e.version} · ${e.author.displayName}`);
    li.append(meta);
    if (e.title) li.append(el('strong', {}, e.title));
    if (e.image) li.append(el('img', { src: e.image.url, alt: e.image.caption ?? '' }));
    const body = el('div', { class: 'body' });
    body.innerHTML = e.body; // sanitized by the server on write
    li.append(body);
    if (e.poll) li.append(pollSummary(e.poll, this.hiddenCounts.get(e.id)));
    const actions = el('div');
    actions.append(button(t('ui.edit'), { 'data-action': 'edit' }, () => this.onEdit(e)));
    if (e.status === 'published') {
      actions.append(button(e.pinned ? t('entries.unpin') : t('entries.pin'), { 'data-action': e.pinned ? 'unpin' : 'pin' }, () => this.act(() => this.client.rest.patch(`/tickers/${tid}/entries/${e.id}`, { version: e.version, pinned: !e.pinned }))));
    } else {
      actions.append(
        button(t('entries.publishNow'), { 'data-action': 'publish' }, () =>
          this.act(async () => {
            await this.client.rest.patch(`/tickers/${tid}/entries/${e.id}`, { version: e.version, status: 'published' });
            say(this.out, t('entries.published.said'));
            void this.loadUnpublished();
          }),
        ),
      );
    }
    if (e.status === 'published' && e.poll && !e.poll.closed) {
      actions.append(confirming(t('entries.closePoll'), t('entries.closePollAsk'), { 'data-action': 'close-poll' }, () => this.client.rest.post(`/tickers/${tid}/entries/${e.id}/close`, {}), this.out));
    }
    actions.append(
      button(t('entries.history'), { 'data-action': 'history', 'aria-expanded': 'false' }, () => this.toggleHistory(li, e)),
      confirming(t('ui.delete'), t('entries.deleteAsk'), { 'data-action': 'delete' }, async () => {
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
        item.append(el('span', { class: 'meta' }, `v${v.version} · ${when(v.savedAt)} · ${v.by?.displayName ?? t('entries.unknown')}${v.version === e.version ? t('entries.current') : ''} `));
        item.append(button(t('entries.show'), { 'data-action': 'show-version' }, () => (text.hidden = !text.hidden)));
        if (v.version !== e.version) {
          item.append(
            button(t('entries.restore'), { 'data-action': 'restore' }, () =>
              this.act(async () => {
                await this.client.rest.post(`/tickers/${this.ticker.id}/entries/${e.id}/restore`, { from: v.version, version: e.version });
                say(this.out, t('entries.restored', { version: v.version }));
                this.history.delete(e.id);
                this.refresh();
              }),
            ),
          );
        }
        item.append(text);
        list.append(item);
      }
      box.append(el('h3', {}, t('entries.versions')), list);
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
    clearTimeout(this.countsTimer);
    this.view.close();
  }
}

/** How often the desk reads the counts of polls whose readers do not see them yet, ms. */
const HIDDEN_COUNTS_MS = 3000;

/**
 * A poll in the desk's list: its question, each option with its votes and percent as the desk
 * sees them (`hidden`: the counts read for the desk where the stream carries none), and whether it closed.
 */
function pollSummary(poll: Poll, hidden?: PollResults): HTMLElement {
  const box = el('div', { class: 'poll', 'data-poll': '' });
  box.append(el('strong', {}, poll.question));
  const r = (!poll.closed && hidden) || poll.results;
  const list = el('ul');
  for (const o of poll.options) {
    const n = r?.counts[o.id] ?? 0;
    list.append(el('li', { 'data-option': o.id }, r ? `${o.label}: ${n} (${r.total ? Math.round((n * 100) / r.total) : 0} %)` : o.label));
  }
  box.append(list);
  const foot = [r ? t(r.total === 1 ? 'entries.pollVote' : 'entries.pollVotes', { n: r.total }) : '', poll.closed ? t('entries.pollClosed') : ''].filter(Boolean).join(' · ');
  if (foot) box.append(el('div', { class: 'meta' }, foot));
  return box;
}
