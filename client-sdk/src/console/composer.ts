import type { Entry, EntryKind, PollInput, Question, Teaser, Ticker, User } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { LivetickerError } from '../rest';
import { PictureField } from './composer-picture';
import { PollField, pollInputOf, previewPoll } from './composer-poll';
import { TemplatePicker } from './composer-templates';
import { changes, previewEntry, same } from './draft';
import type { ComposerSnapshot, Draft, Mode } from './draft';
import { richText } from './editor';
import { t, when } from './i18n';
import type { Key } from './i18n';
import { conflicts, merged } from './merge';
import type { MergeChoice } from './merge';
import { mergeView } from './merge-view';
import { Preview } from './preview';
import { button, clearErrors, el, errorText, field, fromLocalInput, say, showErrors, toLocalInput } from './ui';

export type { ComposerSnapshot } from './draft';

/** What the composer tells the desk (presence) about the entry it has open. */
export interface EditingSignal {
  editing(entryId: string | null): void;
}

const KINDS: EntryKind[] = ['text', 'key-event', 'quote', 'image', 'teaser', 'poll'];
const MODES: Array<[Mode, Key]> = [
  ['now', 'composer.modeNow'],
  ['draft', 'composer.modeDraft'],
  ['schedule', 'composer.modeSchedule'],
];

/**
 * Writing and editing an entry: every field in one form (kind, title, formatted text, picture
 * with caption, credit and credit link, related article, pin), published now, kept as a draft
 * or scheduled; a live preview drawn by the readers' widget itself; Ctrl+Enter sends. A stale
 * save (409) opens both versions side by side to choose or merge, nothing overwritten.
 */
export class Composer {
  readonly element = el('section', { class: 'ltx-composer', 'aria-label': t('composer.region') });
  private editing: Entry | undefined;
  private readonly heading = el('h2', {}, t('composer.new'));
  private readonly kind = el('select', { name: 'kind' });
  private readonly templates: TemplatePicker;
  private readonly title = el('input', { name: 'title', maxlength: '300', placeholder: t('composer.headlinePlaceholder') });
  private readonly rich;
  private readonly picture: PictureField;
  private readonly poll: PollField;
  private readonly teaserUrl = el('input', { name: 'teaserUrl', type: 'url', placeholder: 'https://…' });
  private readonly teaserTitle = el('input', { name: 'teaserTitle', maxlength: '300' });
  private readonly teaserBox = el('details');
  private readonly embedUrl = el('input', { name: 'embedUrl', type: 'url', placeholder: 'https://…' });
  private readonly embedCaption = el('input', { name: 'embedCaption', maxlength: '500' });
  private readonly embedCredit = el('input', { name: 'embedCredit', maxlength: '200' });
  private readonly embedBox = el('details');
  private readonly pinned = el('input', { type: 'checkbox', name: 'pinned' });
  private readonly mode = el('select', { name: 'mode' });
  private readonly publishAt = el('input', { type: 'datetime-local', name: 'publishAt', step: '1' });
  private readonly whenRow = el('div');
  private readonly submit = el('button', { type: 'button', class: 'primary', 'data-action': 'submit' }, t('composer.publish'));
  private readonly cancel = el('button', { type: 'button', 'data-action': 'cancel', hidden: '' }, t('composer.stopEditing'));
  private readonly publishNow = el('button', { type: 'button', 'data-action': 'publish-now', hidden: '' }, t('composer.publishNow'));
  private readonly out = el('p', { role: 'status', 'aria-live': 'polite' });
  /** Who else has the entry open here, said beside the form (their save and mine would meet). */
  private readonly others = el('p', { class: 'ltx-badge editing', 'data-testid': 'also-editing', hidden: '' });
  private editors: Array<{ id: string; displayName: string; editing: string | null }> = [];
  private readonly merge = el('div', { class: 'ltx-merge', hidden: '', role: 'region', 'aria-label': t('merge.region') });
  private readonly preview: Preview;
  /** The text as the editor showed the entry when it was opened: unchanged, the stored HTML is kept. */
  private bodyBase = '';
  /** An Edit pressed while the form holds unsaved work: pressed again, the work is dropped. */
  private pendingSwitch: string | undefined;
  private readonly beforeUnload = (e: BeforeUnloadEvent) => {
    if (this.dirty()) e.preventDefault();
  };
  private busy = false;
  /** The reader's question this form answers (the Questions tab); its text is shown above the form. */
  private answering: Question | undefined;
  private readonly questionBox = el('blockquote', { class: 'ltx-answering', 'data-testid': 'answering', hidden: '' });
  private kindRow: HTMLElement | undefined;

  constructor(
    private readonly client: LivetickerClient,
    private readonly ticker: Ticker,
    private readonly me: User,
    private readonly opts: {
      upload: (file: File) => Promise<{ url: string; width: number; height: number }>;
      desk?: EditingSignal;
      saved: () => void;
      sessionLost?: () => void;
      /** A question was answered from this form (its queue drops it at once). */
      answered?: (questionId: string) => void;
    },
  ) {
    for (const k of KINDS) this.kind.append(el('option', { value: k }, t(`kind.${k}`)));
    for (const [value, label] of MODES) this.mode.append(el('option', { value }, t(label)));
    const lang = ticker.locale === 'en' || ticker.locale === 'ru' ? ticker.locale : 'de';
    this.preview = new Preview(() => {
      const d = this.read();
      const entry = previewEntry(d, this.ticker, this.me, this.editing?.publishedAt, new Date().toISOString());
      return d.kind === 'poll' ? { ...entry, poll: previewPoll(this.poll.read()) } : entry;
    }, lang);
    this.poll = new PollField(() => this.preview.queue());
    this.picture = new PictureField({ requireCredit: ticker.requireImageCredit, upload: opts.upload, say: (text, kind) => say(this.out, text, kind), changed: () => this.preview.queue() });
    this.rich = richText({
      placeholder: t('composer.textPlaceholder'),
      onChange: () => this.preview.queue(),
      onSubmit: () => void this.save(),
      onFiles: (files) => void this.picture.take(files[0]!),
    });
    this.templates = new TemplatePicker(client, ticker.id, (tpl) => {
      this.kind.value = tpl.kind;
      this.title.value = tpl.title ?? '';
      this.rich.set(tpl.body);
      this.rich.focus();
      this.preview.queue();
    });
    // Unsaved work is not lost to a closed tab or a picture dropped beside the drop zone.
    window.addEventListener('beforeunload', this.beforeUnload);
    window.addEventListener('dragover', preventDrop);
    window.addEventListener('drop', preventDrop);
    this.build();
    void this.templates.load();
    this.preview.queue();
  }

  private build(): void {
    const form = this.element;
    const top = el('div', { class: 'row' });
    this.kindRow = top;
    top.append(field(t('composer.kind'), this.kind, 'kind'), field(t('composer.template'), this.templates.select, 'template'));

    const textLabel = el('div', {});
    textLabel.append(el('label', { id: 'ltx-text-label' }, t('composer.text')), this.rich.element, el('span', { class: 'field-error', 'data-error-for': 'body', role: 'alert' }));
    this.rich.element.querySelector('.ltx-editor')?.setAttribute('aria-labelledby', 'ltx-text-label');

    this.teaserBox.append(el('summary', {}, t('composer.relatedArticle')), field(t('composer.teaserUrl'), this.teaserUrl, 'teaser.url'), field(t('composer.teaserTitle'), this.teaserTitle, 'teaser.title'));

    this.embedBox.append(
      el('summary', {}, t('composer.embed')),
      field(t('composer.embedUrl'), this.embedUrl, 'embed.url'),
      field(t('composer.embedCaption'), this.embedCaption, 'embed.caption'),
      field(t('composer.embedCredit'), this.embedCredit, 'embed.credit'),
    );

    const pin = el('label', { class: 'inline' });
    pin.append(this.pinned, t('composer.pin'));
    this.whenRow.append(field(t('composer.publishAt'), this.publishAt, 'publishAt'));
    this.whenRow.hidden = true;
    this.mode.addEventListener('change', () => this.modeChanged());
    const sendRow = el('div', { class: 'row' });
    sendRow.append(field(t('composer.when'), this.mode, 'status'), this.whenRow);
    const buttons = el('div');
    const keep = button(t('template.saveAs'), { 'data-action': 'save-template' }, () => this.templates.openForm(buttons, () => this.read(), (text) => say(this.out, text)));
    buttons.append(this.submit, this.publishNow, this.cancel, keep, el('span', { class: 'meta' }, ' Ctrl+Enter'));
    this.submit.addEventListener('click', () => void this.save());
    this.publishNow.addEventListener('click', () => void this.save('now'));
    this.cancel.addEventListener('click', () => this.reset());

    const p = this.picture;
    form.append(this.heading, this.questionBox, this.others, top, field(t('composer.headline'), this.title, 'title'), textLabel, this.poll.element, p.drop, p.fields, this.embedBox, this.teaserBox, pin, sendRow, buttons, this.out, this.merge, el('h3', {}, t('composer.preview')), this.preview.element);
    this.kind.addEventListener('change', () => this.poll.show(this.kind.value === 'poll'));
    for (const input of [this.kind, this.title, p.caption, p.credit, p.creditUrl, this.teaserUrl, this.teaserTitle, this.embedUrl, this.embedCaption, this.embedCredit, this.pinned]) {
      input.addEventListener('input', () => this.preview.queue());
      input.addEventListener('change', () => this.preview.queue());
    }
    // Ctrl+Enter sends from any field of the form, not only the text.
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !(e.target as HTMLElement).closest('.ltx-editor')) {
        e.preventDefault();
        void this.save();
      }
    });
  }

  private modeChanged(): void {
    const m = this.mode.value as Mode;
    this.whenRow.hidden = m !== 'schedule';
    if (m === 'schedule' && !this.publishAt.value) this.publishAt.value = toLocalInput(new Date(Date.now() + 15 * 60_000).toISOString());
    this.labelSubmit();
  }

  private labelSubmit(): void {
    if (this.answering) {
      this.submit.textContent = t('questions.publishAnswer');
      this.publishNow.hidden = true;
      return;
    }
    const m = this.mode.value as Mode;
    const published = this.editing?.status === 'published';
    this.submit.textContent = t(published ? 'composer.saveChanges' : m === 'draft' ? 'composer.saveDraft' : m === 'schedule' ? 'composer.schedule' : this.editing ? 'composer.saveAndPublish' : 'composer.publish');
    this.publishNow.hidden = !this.editing || published;
  }

  /**
   * The form as the API takes it. Parts of the open entry the form does not show (a related
   * article's picture and date, a picture's size) are kept, and text left alone stays the stored HTML.
   */
  private read(): Draft {
    const orig = this.editing;
    const image = this.picture.read(orig?.image);
    const url = this.teaserUrl.value.trim();
    let teaser: Teaser | null = url ? { url, title: this.teaserTitle.value.trim() || url } : null;
    if (orig?.teaser && teaser && teaser.url === orig.teaser.url) teaser = { ...orig.teaser, title: teaser.title };
    const html = this.rich.html();
    const body = orig && html === this.bodyBase ? orig.body : html;
    return { kind: this.kind.value as EntryKind, title: this.title.value.trim() || null, body, image, teaser, embed: this.readEmbed(orig?.embed), pinned: this.pinned.checked };
  }

  /** The embed field: the open entry's own (as the server recognised it) while it is left alone. */
  private readEmbed(orig: Entry['embed']): Draft['embed'] {
    const url = this.embedUrl.value.trim();
    if (!url) return null;
    const caption = this.embedCaption.value.trim() || undefined;
    const credit = this.embedCredit.value.trim() || undefined;
    if (orig && orig.url === url && (orig.caption ?? undefined) === caption && (orig.credit ?? undefined) === credit) return orig;
    return { url, ...(caption ? { caption } : {}), ...(credit ? { credit } : {}) };
  }

  /** Whether the form holds work that is not saved. */
  private dirty(): boolean {
    const d = this.read();
    if (this.editing) return Object.keys(changes(this.editing, d)).length > 0 || this.pollChange(this.editing) !== undefined;
    return Boolean(d.title || d.body || d.image || d.teaser || d.embed || (d.kind === 'poll' && this.poll.read().question));
  }

  /** The poll as the form has it, when it differs from `e`'s (an entry of kind poll only). */
  private pollChange(e: Entry | undefined): PollInput | undefined {
    if (this.kind.value !== 'poll') return undefined;
    const poll = this.poll.read();
    return e && same(poll, pollInputOf(e.poll)) ? undefined : poll;
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
    this.others.textContent = who.length ? t(who.length > 1 ? 'composer.othersMany' : 'composer.othersOne', { names: who.join(', ') }) : '';
  }

  /** Opens an entry to edit (from the list, a draft or a restored version). */
  edit(entry: Entry, opts: { quiet?: boolean } = {}): void {
    if (!opts.quiet && this.dirty() && this.pendingSwitch !== entry.id) {
      this.pendingSwitch = entry.id;
      say(this.out, t('composer.unsavedSwitch'), 'err');
      this.submit.focus();
      return;
    }
    this.pendingSwitch = undefined;
    this.editing = entry;
    this.merge.hidden = true;
    this.submit.hidden = false;
    clearErrors(this.element);
    this.heading.textContent = this.editingTitle(entry);
    this.fill(entry);
    this.poll.set(entry.poll);
    this.poll.show(entry.kind === 'poll');
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

  private editingTitle(e: Entry, isMerged = false): string {
    const vars = { title: e.title ?? t('composer.untitled'), version: e.version };
    if (isMerged) return t('composer.editingMerged', vars);
    return e.status === 'published' ? t('composer.editing', vars) : t('composer.editingStatus', { ...vars, status: t(`status.${e.status}`) });
  }

  private fill(d: Draft): void {
    this.kind.value = d.kind;
    this.title.value = d.title ?? '';
    this.rich.set(d.body);
    this.picture.set(d.image);
    this.teaserUrl.value = d.teaser?.url ?? '';
    this.teaserTitle.value = d.teaser?.title ?? '';
    this.teaserBox.open = Boolean(d.teaser);
    this.embedUrl.value = d.embed?.url ?? '';
    this.embedCaption.value = d.embed?.caption ?? '';
    this.embedCredit.value = d.embed?.credit ?? '';
    this.embedBox.open = Boolean(d.embed);
    this.pinned.checked = d.pinned;
    this.preview.queue();
  }

  /**
   * Answers a reader's question in this form: the question above it, the answer written as any
   * entry's text (title optional), published at once as an entry of kind `answer`.
   */
  answer(q: Question): void {
    this.reset();
    this.answering = q;
    this.heading.textContent = t('questions.answering');
    const who = el('p', { class: 'meta' }, t('questions.asked', { name: q.showName && q.author ? q.author.displayName : t('questions.aReader') }));
    this.questionBox.replaceChildren(who, el('p', {}, q.body));
    this.questionBox.hidden = false;
    if (this.kindRow) this.kindRow.hidden = true;
    this.mode.closest('.row')!.setAttribute('hidden', '');
    this.cancel.hidden = false;
    this.labelSubmit();
    this.rich.focus();
    this.element.scrollIntoView({ block: 'start' });
  }

  /** Back to a fresh form for a new entry. */
  reset(): void {
    if (this.editing) this.opts.desk?.editing(null);
    this.answering = undefined;
    this.questionBox.hidden = true;
    this.questionBox.replaceChildren();
    if (this.kindRow) this.kindRow.hidden = false;
    this.editing = undefined;
    this.pendingSwitch = undefined;
    this.merge.hidden = true;
    this.submit.hidden = false;
    this.heading.textContent = t('composer.new');
    this.others.hidden = true;
    this.fill({ kind: 'text', title: null, body: '', image: null, teaser: null, embed: null, pinned: false });
    this.poll.set(undefined);
    this.poll.show(false);
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
    if (this.picture.uploading) {
      say(this.out, t('composer.stillUploading'), 'err');
      return;
    }
    if (this.answering) return this.saveAnswer(this.answering);
    const mode = forced ?? (this.mode.value as Mode);
    const d = this.read();
    const publishAt = mode === 'schedule' ? fromLocalInput(this.publishAt.value) : undefined;
    if (mode === 'schedule' && !publishAt) {
      showErrors(this.element, this.out, new LivetickerError('validation_failed', t('composer.invalidEntry'), 400, [{ path: 'publishAt', message: t('composer.pickTime') }]));
      return;
    }
    const plan = mode === 'draft' ? { status: 'draft' } : mode === 'schedule' ? { status: 'scheduled', publishAt } : {};
    this.busy = true;
    this.submit.disabled = true;
    clearErrors(this.element);
    try {
      const e = this.editing;
      if (e) {
        const poll = this.pollChange(e);
        const changed = { ...changes(e, d), ...(poll && { poll }) };
        const body = e.status === 'published' ? changed : { ...changed, ...(mode === 'now' ? { status: 'published' } : plan) };
        if (Object.keys(body).length === 0) {
          say(this.out, t('ui.nothingChanged'), 'meta');
          return;
        }
        await this.client.rest.patch<Entry>(`/tickers/${this.ticker.id}/entries/${e.id}`, { version: e.version, ...body });
      } else {
        const poll = this.pollChange(undefined);
        await this.client.rest.post<Entry>(`/tickers/${this.ticker.id}/entries`, { ...d, ...(poll && { poll }), ...plan });
      }
      const what = mode === 'draft' ? t('composer.draftSaved') : mode === 'schedule' ? t('composer.scheduledFor', { when: when(publishAt!) }) : e?.status === 'published' ? t('composer.saved') : t('composer.published');
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

  /** Publishes the answer to `q` (`POST /questions/:id/answer`): the server makes the entry. */
  private async saveAnswer(q: Question): Promise<void> {
    const d = this.read();
    this.busy = true;
    this.submit.disabled = true;
    clearErrors(this.element);
    try {
      await this.client.rest.post(`/questions/${q.id}/answer`, { body: d.body, ...(d.title ? { title: d.title } : {}) });
      this.reset();
      say(this.out, t('questions.answered'));
      this.opts.answered?.(q.id);
      this.opts.saved();
    } catch (err) {
      if (err instanceof LivetickerError && err.code === 'question_not_open') {
        this.opts.answered?.(q.id);
        say(this.out, t('questions.gone'), 'err');
      } else if (err instanceof LivetickerError && (err.code === 'login_required' || err.code === 'invalid_token') && this.opts.sessionLost) this.opts.sessionLost();
      else showErrors(this.element, this.out, err);
    } finally {
      this.busy = false;
      this.submit.disabled = false;
    }
  }

  /**
   * Someone saved the entry while it was open here: the fields where the two versions differ,
   * side by side, each with a choice preset as merge.ts decides; nothing is saved until the
   * editor says so, and then over their version (or taken into the form to merge by hand).
   */
  private async showMerge(base: Entry): Promise<void> {
    let theirs: Entry;
    let by = t('merge.someone');
    try {
      theirs = await this.client.rest.get<Entry>(`/tickers/${this.ticker.id}/entries/${base.id}`);
      const h = await this.client.rest.get<{ items: Array<{ version: number; savedAt: string; by: { displayName: string } | null }> }>(`/tickers/${this.ticker.id}/entries/${base.id}/history`).catch(() => ({ items: [] }));
      const last = h.items.find((v) => v.version === theirs.version);
      if (last?.by) by = t('merge.by', { name: last.by.displayName, when: when(last.savedAt) });
    } catch (err) {
      say(this.out, t('merge.unreadable', { error: errorText(err) }), 'err');
      return;
    }
    const mine = this.read();
    const differing = conflicts(base, mine, theirs);
    /** Their version becomes the one being edited, with the chosen content (the form as it is now, fields chosen from theirs) in the form. */
    const adopt = (choice: MergeChoice) => {
      const d = merged(this.read(), theirs, choice);
      this.merge.hidden = true;
      this.submit.hidden = false;
      this.edit(theirs, { quiet: true });
      this.fill(d);
    };
    this.merge.replaceChildren(
      ...mergeView({
        conflicts: differing,
        mine,
        theirs,
        by,
        onSave: async (choice) => {
          adopt(choice);
          await this.save();
        },
        onByHand: (choice) => {
          adopt(choice);
          this.heading.textContent = this.editingTitle(theirs, true);
          say(this.out, t('merge.byHandSaid', { version: theirs.version }), 'meta');
          this.rich.focus();
        },
        onDiscard: () => {
          this.merge.hidden = true;
          this.submit.hidden = false;
          this.edit(theirs, { quiet: true });
          say(this.out, t('merge.discarded'), 'meta');
        },
      }),
    );
    this.merge.hidden = false;
    // While the versions are open, "save" is one of their buttons (another save would meet the same 409).
    this.submit.hidden = true;
    say(this.out, t('merge.notSaved'), 'err');
    this.merge.scrollIntoView({ block: 'start' });
    this.merge.querySelector<HTMLElement>('button')?.focus();
  }

  /**
   * Unsaved work, to keep across a lost session or a change of language (see restore);
   * undefined when there is none. `open`: an entry open for editing counts as work even unchanged.
   */
  snapshot(opts: { open?: boolean } = {}): ComposerSnapshot | undefined {
    if (!this.dirty() && !(opts.open && this.editing)) return undefined;
    return { tickerId: this.ticker.id, draft: this.read(), base: this.editing ?? null, mode: this.mode.value as Mode, publishAt: this.publishAt.value };
  }

  /**
   * Puts work kept by snapshot() back. An edit stays on the version it started from, so if the
   * entry changed meanwhile, saving meets the 409 and both versions are shown. `quiet`: nothing
   * said (the language changed; no session was lost).
   */
  restore(snap: ComposerSnapshot, opts: { quiet?: boolean } = {}): void {
    if (snap.base) this.edit(snap.base, { quiet: true });
    this.fill(snap.draft);
    this.mode.value = snap.mode;
    this.publishAt.value = snap.publishAt;
    this.modeChanged();
    if (!opts.quiet) say(this.out, t('composer.restored'), 'meta');
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
