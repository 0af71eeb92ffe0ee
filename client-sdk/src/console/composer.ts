import type { Entry, EntryImage, EntryKind, Teaser, Ticker, User } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { LivetickerError } from '../rest';
import { TICKER_CSS, renderEntry } from '../widgets/ticker-widget';
import { changes, previewEntry, same } from './draft';
import type { ComposerSnapshot, Draft, EntryTemplate, Mode } from './draft';
import { richText } from './editor';
import { conflicts, merged } from './merge';
import type { MergeChoice, MergeField } from './merge';
import { button, clearErrors, el, errorText, field, fromLocalInput, say, showErrors, toLocalInput, when } from './ui';

/** What the composer tells the desk (presence) about the entry it has open. */
export interface EditingSignal {
  editing(entryId: string | null): void;
}

const KINDS: Array<[EntryKind, string]> = [
  ['text', 'Text'],
  ['key-event', 'Key event'],
  ['quote', 'Quote'],
  ['image', 'Picture'],
  ['teaser', 'Related article'],
];

export type { ComposerSnapshot, EntryTemplate } from './draft';

/**
 * Writing and editing an entry: every field in one form (kind, title, formatted text, picture
 * with caption, credit and credit link, related article, pin), published now, kept as a draft
 * or scheduled; a live preview drawn by the readers' widget itself; Ctrl+Enter sends. A stale
 * save (409) opens both versions side by side to choose or merge, nothing overwritten.
 */
export class Composer {
  readonly element = el('section', { class: 'ltx-composer', 'aria-label': 'Write an entry' });
  private editing: Entry | undefined;
  private image: EntryImage | null = null;
  private readonly heading = el('h2', {}, 'New entry');
  private readonly kind = el('select', { name: 'kind' });
  private readonly template = el('select', { name: 'template' });
  private readonly title = el('input', { name: 'title', maxlength: '300', placeholder: 'Headline (optional)' });
  private readonly rich;
  private readonly drop = el('div', { class: 'ltx-drop', 'data-field': 'image', tabindex: '-1' });
  private readonly file = el('input', { type: 'file', name: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif', class: 'lt-sr' });
  private readonly caption = el('input', { name: 'caption', maxlength: '500' });
  private readonly credit = el('input', { name: 'credit', maxlength: '200' });
  private readonly creditUrl = el('input', { name: 'creditUrl', type: 'url', placeholder: 'https://…' });
  private readonly imageFields = el('div', { hidden: '' });
  private readonly teaserUrl = el('input', { name: 'teaserUrl', type: 'url', placeholder: 'https://…' });
  private readonly teaserTitle = el('input', { name: 'teaserTitle', maxlength: '300' });
  private readonly teaserBox = el('details');
  private readonly pinned = el('input', { type: 'checkbox', name: 'pinned' });
  private readonly mode = el('select', { name: 'mode' });
  private readonly publishAt = el('input', { type: 'datetime-local', name: 'publishAt', step: '1' });
  private readonly whenRow = el('div');
  private readonly submit = el('button', { type: 'button', class: 'primary', 'data-action': 'submit' }, 'Publish');
  private readonly cancel = el('button', { type: 'button', 'data-action': 'cancel', hidden: '' }, 'Stop editing');
  private readonly publishNow = el('button', { type: 'button', 'data-action': 'publish-now', hidden: '' }, 'Publish now');
  private readonly out = el('p', { role: 'status', 'aria-live': 'polite' });
  /** Who else has the entry open here, said beside the form (their save and mine would meet). */
  private readonly others = el('p', { class: 'ltx-badge editing', 'data-testid': 'also-editing', hidden: '' });
  private editors: Array<{ id: string; displayName: string; editing: string | null }> = [];
  private readonly merge = el('div', { class: 'ltx-merge', hidden: '', role: 'region', 'aria-label': 'Changed by someone else' });
  private readonly preview = el('div', { class: 'ltx-preview', 'data-testid': 'preview' });
  private readonly previewRoot: ShadowRoot;
  private templates: EntryTemplate[] = [];
  /** The text as the editor showed the entry when it was opened: unchanged, the stored HTML is kept. */
  private bodyBase = '';
  private uploading = 0;
  /** An Edit pressed while the form holds unsaved work: pressed again, the work is dropped. */
  private pendingSwitch: string | undefined;
  private readonly beforeUnload = (e: BeforeUnloadEvent) => {
    if (this.dirty()) e.preventDefault();
  };
  private previewQueued = false;
  private busy = false;

  constructor(
    private readonly client: LivetickerClient,
    private readonly ticker: Ticker,
    private readonly me: User,
    private readonly opts: { upload: (file: File) => Promise<{ url: string; width: number; height: number }>; desk?: EditingSignal; saved: () => void; sessionLost?: () => void },
  ) {
    for (const [value, label] of KINDS) this.kind.append(el('option', { value }, label));
    for (const [value, label] of [
      ['now', 'Publish now'],
      ['draft', 'Save as draft'],
      ['schedule', 'Schedule for…'],
    ]) {
      this.mode.append(el('option', { value }, label));
    }
    this.rich = richText({
      placeholder: 'What happened? Ctrl+Enter publishes.',
      onChange: () => this.queuePreview(),
      onSubmit: () => void this.save(),
      onFiles: (files) => void this.takeFile(files[0]!),
    });
    this.previewRoot = this.preview.attachShadow({ mode: 'open' });
    // Unsaved work is not lost to a closed tab or a picture dropped beside the drop zone.
    window.addEventListener('beforeunload', this.beforeUnload);
    window.addEventListener('dragover', preventDrop);
    window.addEventListener('drop', preventDrop);
    this.build();
    this.loadTemplates();
    this.queuePreview();
  }

  private build(): void {
    const form = this.element;
    const top = el('div', { class: 'row' });
    top.append(field('Kind', this.kind, 'kind'), field('Template', this.template, 'template'));
    this.template.append(el('option', { value: '' }, '—'));
    this.template.addEventListener('change', () => this.applyTemplate(this.template.value));

    const textLabel = el('div', {});
    textLabel.append(el('label', { id: 'ltx-text-label' }, 'Text'), this.rich.element, el('span', { class: 'field-error', 'data-error-for': 'body', role: 'alert' }));
    this.rich.element.querySelector('.ltx-editor')?.setAttribute('aria-labelledby', 'ltx-text-label');

    // The picture: dropped, pasted (into the text too) or picked; uploaded at once.
    const pick = el('label', { class: 'btn', for: 'ltx-file' }, 'Choose a picture');
    this.file.id = 'ltx-file';
    this.drop.append(el('span', {}, 'Drop a picture here, paste it into the text, or '), pick, this.file, el('span', { class: 'field-error', 'data-error-for': 'image', role: 'alert' }));
    this.file.addEventListener('change', () => {
      if (this.file.files?.[0]) void this.takeFile(this.file.files[0]);
      this.file.value = '';
    });
    this.drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      this.drop.classList.add('over');
    });
    this.drop.addEventListener('dragleave', () => this.drop.classList.remove('over'));
    this.drop.addEventListener('drop', (e) => {
      e.preventDefault();
      this.drop.classList.remove('over');
      const f = [...(e.dataTransfer?.files ?? [])].find((x) => x.type.startsWith('image/'));
      if (f) void this.takeFile(f);
    });
    const imgRow = el('div', { class: 'row' });
    imgRow.append(field('Caption', this.caption, 'image.caption'), field(this.ticker.requireImageCredit ? 'Credit (required)' : 'Credit', this.credit, 'image.credit'));
    this.imageFields.append(imgRow, field('Credit link', this.creditUrl, 'image.creditUrl'), button('Remove picture', { 'data-action': 'remove-image' }, () => this.setImage(null)));

    this.teaserBox.append(el('summary', {}, 'Related article'), field('Address', this.teaserUrl, 'teaser.url'), field('Headline', this.teaserTitle, 'teaser.title'));

    const pin = el('label', { class: 'inline' });
    pin.append(this.pinned, 'Pin to the top');
    this.whenRow.append(field('Publish at (your time)', this.publishAt, 'publishAt'));
    this.whenRow.hidden = true;
    this.mode.addEventListener('change', () => this.modeChanged());
    const sendRow = el('div', { class: 'row' });
    sendRow.append(field('When', this.mode, 'status'), this.whenRow);
    const buttons = el('div');
    const keep = button('Save as template…', { 'data-action': 'save-template' }, () => this.templateForm(buttons));
    buttons.append(this.submit, this.publishNow, this.cancel, keep, el('span', { class: 'meta' }, ' Ctrl+Enter'));
    this.submit.addEventListener('click', () => void this.save());
    this.publishNow.addEventListener('click', () => void this.save('now'));
    this.cancel.addEventListener('click', () => this.reset());

    form.append(this.heading, this.others, top, field('Headline', this.title, 'title'), textLabel, this.drop, this.imageFields, this.teaserBox, pin, sendRow, buttons, this.out, this.merge, el('h3', {}, 'Preview'), this.preview);
    for (const input of [this.kind, this.title, this.caption, this.credit, this.creditUrl, this.teaserUrl, this.teaserTitle, this.pinned]) {
      input.addEventListener('input', () => this.queuePreview());
      input.addEventListener('change', () => this.queuePreview());
    }
    // Ctrl+Enter sends from any field of the form, not only the text.
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !(e.target as HTMLElement).closest('.ltx-editor')) {
        e.preventDefault();
        void this.save();
      }
    });
  }

  private async loadTemplates(): Promise<void> {
    try {
      const got = await this.client.rest.get<{ items: EntryTemplate[] }>(`/tickers/${this.ticker.id}/templates`);
      this.templates = got.items;
      for (const t of got.items) this.template.append(el('option', { value: t.id }, t.name));
    } catch {
      this.template.closest('.field')?.setAttribute('hidden', '');
    }
  }

  private applyTemplate(id: string): void {
    const t = this.templates.find((x) => x.id === id);
    if (!t) return;
    this.kind.value = t.kind;
    this.title.value = t.title ?? '';
    this.rich.set(t.body);
    this.template.value = '';
    this.rich.focus();
    this.queuePreview();
  }

  /** Keeps the form's kind, headline and text as a template, for this ticker or for every one. */
  private templateForm(after: HTMLElement): void {
    this.element.querySelector('.ltx-template-form')?.remove();
    const box = el('form', { class: 'ltx-inline ltx-template-form', novalidate: '' });
    const name = el('input', { maxlength: '80', name: 'template-name' });
    const everywhere = el('input', { type: 'checkbox', name: 'template-everywhere' });
    const scope = el('label', { class: 'inline' });
    scope.append(everywhere, 'for every ticker');
    const out = el('span', { role: 'status' });
    box.append(field('Template name', name, 'name'), scope, el('button', { type: 'submit', class: 'primary', 'data-action': 'confirm-template' }, 'Save template'), button('Cancel', {}, () => box.remove()), out);
    box.addEventListener('submit', async (e) => {
      e.preventDefault();
      const d = this.read();
      try {
        const t = await this.client.rest.post<EntryTemplate>('/templates', { name: name.value, kind: d.kind, title: d.title, body: d.body, ...(!everywhere.checked && { tickerId: this.ticker.id }) });
        this.templates.push(t);
        this.template.append(el('option', { value: t.id }, t.name));
        box.remove();
        say(this.out, `Template “${t.name}” saved.`);
      } catch (err) {
        const named = err instanceof LivetickerError && err.code === 'conflict' && (err.details as { field?: string } | undefined)?.field === 'name' ? new LivetickerError('validation_failed', err.message, 409, [{ path: 'name', message: 'a template of this name exists' }]) : err;
        showErrors(box, out, named);
      }
    });
    after.after(box);
    name.focus();
  }

  private modeChanged(): void {
    const m = this.mode.value as Mode;
    this.whenRow.hidden = m !== 'schedule';
    if (m === 'schedule' && !this.publishAt.value) this.publishAt.value = toLocalInput(new Date(Date.now() + 15 * 60_000).toISOString());
    this.labelSubmit();
  }

  private labelSubmit(): void {
    const m = this.mode.value as Mode;
    const published = this.editing?.status === 'published';
    this.submit.textContent = published ? 'Save changes' : m === 'draft' ? 'Save draft' : m === 'schedule' ? 'Schedule' : this.editing ? 'Save and publish' : 'Publish';
    this.publishNow.hidden = !this.editing || published;
  }

  /** Uploads a picture and puts it in the form. */
  async takeFile(f: File): Promise<void> {
    say(this.out, `Uploading ${f.name || 'the picture'}…`, 'meta');
    this.uploading++;
    try {
      const got = await this.opts.upload(f);
      this.setImage({ url: got.url, width: got.width, height: got.height, caption: this.caption.value || undefined, credit: this.credit.value || undefined });
      say(this.out, `Picture uploaded (${got.width} × ${got.height}).`);
      this.caption.focus();
    } catch (err) {
      say(this.out, `The picture was not taken: ${errorText(err)}`, 'err');
    } finally {
      this.uploading--;
    }
  }

  private setImage(image: EntryImage | null): void {
    this.image = image;
    this.imageFields.hidden = !image;
    this.drop.querySelector('img')?.remove();
    if (image) {
      this.drop.prepend(el('img', { src: image.url, alt: 'The picture of this entry' }));
      this.caption.value = image.caption ?? '';
      this.credit.value = image.credit ?? '';
      this.creditUrl.value = image.creditUrl ?? '';
    } else {
      this.caption.value = this.credit.value = this.creditUrl.value = '';
    }
    this.queuePreview();
  }

  /**
   * The form as the API takes it. Parts of the open entry the form does not show (a related
   * article's picture and date, a picture's size) are kept, and text left alone stays the stored HTML.
   */
  private read(): Draft {
    const orig = this.editing;
    let image: EntryImage | null = this.image
      ? {
          url: this.image.url,
          ...(this.image.width && { width: this.image.width, height: this.image.height }),
          ...(this.caption.value.trim() && { caption: this.caption.value.trim() }),
          ...(this.credit.value.trim() && { credit: this.credit.value.trim() }),
          ...(this.creditUrl.value.trim() && { creditUrl: this.creditUrl.value.trim() }),
        }
      : null;
    if (orig?.image && image && same({ ...orig.image, width: undefined, height: undefined }, { ...image, width: undefined, height: undefined })) image = orig.image;
    const url = this.teaserUrl.value.trim();
    let teaser: Teaser | null = url ? { url, title: this.teaserTitle.value.trim() || url } : null;
    if (orig?.teaser && teaser && teaser.url === orig.teaser.url) teaser = { ...orig.teaser, title: teaser.title };
    const html = this.rich.html();
    const body = orig && html === this.bodyBase ? orig.body : html;
    return { kind: this.kind.value as EntryKind, title: this.title.value.trim() || null, body, image, teaser, pinned: this.pinned.checked };
  }

  /** Whether the form holds work that is not saved. */
  private dirty(): boolean {
    const d = this.read();
    if (this.editing) return Object.keys(changes(this.editing, d)).length > 0;
    return Boolean(d.title || d.body || d.image || d.teaser);
  }

  private queuePreview(): void {
    if (this.previewQueued) return;
    this.previewQueued = true;
    requestAnimationFrame(() => {
      this.previewQueued = false;
      this.drawPreview();
    });
  }

  /** The entry as readers will see it: the readers' own renderer and style, in its own shadow root. */
  private drawPreview(): void {
    const d = this.read();
    const entry = previewEntry(d, this.ticker, this.me, this.editing?.publishedAt, new Date().toISOString());
    let node: HTMLElement;
    try {
      node = renderEntry(entry, this.ticker.locale === 'en' || this.ticker.locale === 'ru' ? this.ticker.locale : 'de', d.pinned ? 'Pinned' : undefined);
    } catch {
      node = el('p', {}, 'The preview needs a valid related-article address.');
    }
    const box = el('ul', { class: 'lt-root lt lt-list' });
    box.style.maxWidth = 'none';
    box.append(node);
    this.previewRoot.replaceChildren(el('style', {}, TICKER_CSS), box);
  }

  /** The other editors at the desk (presence): says who else has this entry open. */
  setEditors(editors: Array<{ id: string; displayName: string; editing: string | null }>): void {
    this.editors = editors;
    this.showOthers();
  }

  private showOthers(): void {
    const id = this.editing?.id;
    const who = id ? this.editors.filter((x) => x.editing === id).map((x) => x.displayName) : [];
    this.others.hidden = who.length === 0;
    this.others.textContent = who.length ? `${who.join(', ')} ${who.length > 1 ? 'have' : 'has'} this entry open too` : '';
  }

  /** Opens an entry to edit (from the list, a draft or a restored version). */
  edit(entry: Entry, opts: { quiet?: boolean } = {}): void {
    if (!opts.quiet && this.dirty() && this.pendingSwitch !== entry.id) {
      this.pendingSwitch = entry.id;
      say(this.out, 'This form holds unsaved changes: save them, or press Edit again to drop them.', 'err');
      this.submit.focus();
      return;
    }
    this.pendingSwitch = undefined;
    this.editing = entry;
    this.merge.hidden = true;
    this.submit.hidden = false;
    clearErrors(this.element);
    this.heading.textContent = `Editing: ${entry.title ?? 'entry'} (v${entry.version}${entry.status !== 'published' ? `, ${entry.status}` : ''})`;
    this.fill(entry);
    this.bodyBase = this.rich.html();
    this.mode.value = entry.status === 'draft' ? 'draft' : entry.status === 'scheduled' ? 'schedule' : 'now';
    this.publishAt.value = toLocalInput(entry.publishAt, true);
    this.mode.closest('.row')!.toggleAttribute('hidden', entry.status === 'published');
    this.modeChanged();
    this.cancel.hidden = false;
    this.opts.desk?.editing(entry.id);
    this.showOthers();
    if (opts.quiet) return;
    say(this.out, '', 'meta');
    this.rich.focus();
    this.element.scrollIntoView({ block: 'start' });
  }

  private fill(d: Draft): void {
    this.kind.value = d.kind;
    this.title.value = d.title ?? '';
    this.rich.set(d.body);
    this.setImage(d.image);
    this.teaserUrl.value = d.teaser?.url ?? '';
    this.teaserTitle.value = d.teaser?.title ?? '';
    this.teaserBox.open = Boolean(d.teaser);
    this.pinned.checked = d.pinned;
    this.queuePreview();
  }

  /** Back to a fresh form for a new entry. */
  reset(): void {
    if (this.editing) this.opts.desk?.editing(null);
    this.editing = undefined;
    this.pendingSwitch = undefined;
    this.merge.hidden = true;
    this.submit.hidden = false;
    this.heading.textContent = 'New entry';
    this.others.hidden = true;
    this.fill({ kind: 'text', title: null, body: '', image: null, teaser: null, pinned: false });
    this.bodyBase = '';
    this.mode.value = 'now';
    this.mode.closest('.row')!.removeAttribute('hidden');
    this.modeChanged();
    this.cancel.hidden = true;
    clearErrors(this.element);
  }

  /** Creates or saves: the mode says now, draft or scheduled; `forced` overrides it. */
  async save(forced?: Mode): Promise<void> {
    if (this.busy) return;
    if (this.uploading) {
      say(this.out, 'The picture is still uploading: send again in a moment.', 'err');
      return;
    }
    const mode = forced ?? (this.mode.value as Mode);
    const d = this.read();
    const publishAt = mode === 'schedule' ? fromLocalInput(this.publishAt.value) : undefined;
    if (mode === 'schedule' && !publishAt) {
      showErrors(this.element, this.out, new LivetickerError('validation_failed', 'invalid entry', 400, [{ path: 'publishAt', message: 'pick a date and time' }]));
      return;
    }
    const plan = mode === 'draft' ? { status: 'draft' } : mode === 'schedule' ? { status: 'scheduled', publishAt } : {};
    this.busy = true;
    this.submit.disabled = true;
    clearErrors(this.element);
    try {
      const e = this.editing;
      if (e) {
        const changed = changes(e, d);
        const body = e.status === 'published' ? changed : { ...changed, ...(mode === 'now' ? { status: 'published' } : plan) };
        if (Object.keys(body).length === 0) {
          say(this.out, 'Nothing changed.', 'meta');
          return;
        }
        await this.client.rest.patch<Entry>(`/tickers/${this.ticker.id}/entries/${e.id}`, { version: e.version, ...body });
      } else {
        await this.client.rest.post<Entry>(`/tickers/${this.ticker.id}/entries`, { ...d, ...plan });
      }
      const what = mode === 'draft' ? 'Draft saved.' : mode === 'schedule' ? `Scheduled for ${when(publishAt!)}.` : e?.status === 'published' ? 'Saved.' : 'Published.';
      this.reset();
      say(this.out, what);
      this.opts.saved();
      this.rich.focus();
    } catch (err) {
      if (err instanceof LivetickerError && err.code === 'conflict' && this.editing) await this.showMerge(this.editing);
      else if (err instanceof LivetickerError && (err.code === 'login_required' || err.code === 'invalid_token') && this.opts.sessionLost) this.opts.sessionLost();
      else showErrors(this.element, this.out, err);
    } finally {
      this.busy = false;
      this.submit.disabled = false;
    }
  }

  /**
   * Someone saved the entry while it was open here: the fields where the two versions differ,
   * side by side, each with a choice preset as merge.ts decides (only they changed it: theirs;
   * only I: mine; both: mine, marked); nothing is saved until the editor says so, and then over
   * their version (or taken into the form to merge by hand).
   */
  private async showMerge(base: Entry): Promise<void> {
    let theirs: Entry;
    let by = 'someone';
    try {
      theirs = await this.client.rest.get<Entry>(`/tickers/${this.ticker.id}/entries/${base.id}`);
      const h = await this.client.rest.get<{ items: Array<{ version: number; savedAt: string; by: { displayName: string } | null }> }>(`/tickers/${this.ticker.id}/entries/${base.id}/history`).catch(() => ({ items: [] }));
      const last = h.items.find((v) => v.version === theirs.version);
      if (last?.by) by = `${last.by.displayName}, ${when(last.savedAt)}`;
    } catch (err) {
      say(this.out, `The entry was changed or deleted meanwhile and cannot be read: ${errorText(err)}`, 'err');
      return;
    }
    const mine = this.read();
    const labels: Record<MergeField, string> = { title: 'Headline', body: 'Text', image: 'Picture', teaser: 'Related article', kind: 'Kind', pinned: 'Pinned' };
    const differing = conflicts(base, mine, theirs);
    const table = el('table');
    const head = el('tr');
    head.append(el('th', {}, 'Field'), el('th', {}, 'Yours'), el('th', {}, `Theirs (v${theirs.version}, ${by})`));
    table.append(head);
    const choice: MergeChoice = {};
    const show = (k: MergeField, v: unknown): HTMLElement => {
      const cell = el('div', { class: 'html' });
      if (k === 'body') cell.innerHTML = String(v || '<em>(empty)</em>'); // mine: the editor's schema output; theirs: sanitized by the server
      else if (k === 'image') cell.textContent = v ? [(v as EntryImage).caption, (v as EntryImage).credit && `© ${(v as EntryImage).credit}`, (v as EntryImage).url].filter(Boolean).join(' · ') : '(none)';
      else if (k === 'teaser') cell.textContent = v ? `${(v as Teaser).title} – ${(v as Teaser).url}` : '(none)';
      else if (k === 'pinned') cell.textContent = v ? 'pinned' : 'not pinned';
      else cell.textContent = v === null || v === '' ? '(none)' : String(v);
      return cell;
    };
    for (const { field: k, changedBy, preset } of differing) {
      choice[k] = preset;
      const row = el('tr', { 'data-merge-field': k, 'data-changed-by': changedBy });
      const cells = (['mine', 'theirs'] as const).map((side) => {
        const td = el('td');
        const r = el('input', { type: 'radio', name: `merge-${k}`, value: side });
        r.checked = side === preset;
        r.addEventListener('change', () => (choice[k] = side));
        const l = el('label', { class: 'inline' });
        l.append(r, side === 'mine' ? 'Keep mine' : 'Take theirs');
        td.append(l, show(k, side === 'mine' ? mine[k] : theirs[k]));
        return td;
      });
      const th = el('th', {}, labels[k]);
      th.append(el('span', { class: 'meta' }, changedBy === 'both' ? ' – changed by both of you' : changedBy === 'me' ? ' – changed by you' : ' – changed by them'));
      row.append(th, ...cells);
      table.append(row);
    }
    /** The form as it is now, with the fields chosen from their version. */
    const chosen = (): Draft => merged(this.read(), theirs, choice);
    /** Their version becomes the one being edited, with the chosen content in the form. */
    const adopt = () => {
      const d = chosen();
      this.merge.hidden = true;
      this.submit.hidden = false;
      this.edit(theirs, { quiet: true });
      this.fill(d);
    };
    const actions = el('div');
    actions.append(
      button('Save this choice', { class: 'primary', 'data-action': 'merge-save' }, async () => {
        adopt();
        await this.save();
      }),
      button('Merge by hand in the form', { 'data-action': 'merge-edit' }, () => {
        adopt();
        this.heading.textContent = `Editing: ${theirs.title ?? 'entry'} (v${theirs.version}, merged)`;
        say(this.out, `Now editing over version ${theirs.version}: change what you like and save.`, 'meta');
        this.rich.focus();
      }),
      button('Discard mine', { 'data-action': 'merge-discard' }, () => {
        this.merge.hidden = true;
        this.submit.hidden = false;
        this.edit(theirs, { quiet: true });
        say(this.out, 'Your changes were dropped; the form shows the saved version.', 'meta');
      }),
    );
    this.merge.replaceChildren(
      el('h3', {}, 'Someone else saved this entry while you were editing it'),
      el('p', {}, differing.length ? 'Choose, field by field, what to keep (preset: what each of you changed). Nothing is saved until you say so.' : 'Their version holds the same content as yours.'),
      table,
      actions,
    );
    this.merge.hidden = false;
    // While the versions are open, "save" is one of their buttons (another save would meet the same 409).
    this.submit.hidden = true;
    say(this.out, 'Not saved: the entry changed meanwhile (see both versions below).', 'err');
    this.merge.scrollIntoView({ block: 'start' });
    this.merge.querySelector<HTMLElement>('button')?.focus();
  }

  /** Unsaved work, to keep across a lost session (see restore); undefined when there is none. */
  snapshot(): ComposerSnapshot | undefined {
    if (!this.dirty()) return undefined;
    return { tickerId: this.ticker.id, draft: this.read(), base: this.editing ?? null, mode: this.mode.value as Mode, publishAt: this.publishAt.value };
  }

  /**
   * Puts work kept by snapshot() back. An edit stays on the version it started from, so if the
   * entry changed meanwhile, saving meets the 409 and both versions are shown.
   */
  restore(snap: ComposerSnapshot): void {
    if (snap.base) this.edit(snap.base, { quiet: true });
    this.fill(snap.draft);
    this.mode.value = snap.mode;
    this.publishAt.value = snap.publishAt;
    this.modeChanged();
    say(this.out, 'Your unsaved entry is back, as it was when the session ended: check it and send it.', 'meta');
  }

  destroy(): void {
    window.removeEventListener('beforeunload', this.beforeUnload);
    window.removeEventListener('dragover', preventDrop);
    window.removeEventListener('drop', preventDrop);
    if (this.editing) this.opts.desk?.editing(null);
    this.rich.destroy();
  }
}

/** A file dropped anywhere on the page but the drop zone would make the browser open it (and leave the console). */
function preventDrop(e: DragEvent): void {
  if (!(e.target as HTMLElement | null)?.closest?.('.ltx-drop, .ltx-editor')) e.preventDefault();
}
