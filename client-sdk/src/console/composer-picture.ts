import type { EntryImage } from '@liveticker/schemas';
import { same } from './draft';
import { t } from './i18n';
import { button, el, errorText, field } from './ui';

export interface PictureOptions {
  /** The ticker asks every picture for a credit (said in the field's label). */
  requireCredit: boolean;
  upload: (file: File) => Promise<{ url: string; width: number; height: number }>;
  /** A line for the composer's status. */
  say: (text: string, kind?: 'ok' | 'err' | 'meta') => void;
  /** The picture or its words changed (the preview follows). */
  changed: () => void;
}

/**
 * The entry's picture: dropped on its zone, pasted into the text (the editor hands it over) or
 * picked, uploaded at once; with caption, credit and credit link. `drop` and `fields` are placed
 * by the composer.
 */
export class PictureField {
  readonly drop = el('div', { class: 'ltx-drop', 'data-field': 'image', tabindex: '-1' });
  readonly fields = el('div', { hidden: '' });
  readonly caption = el('input', { name: 'caption', maxlength: '500' });
  readonly credit = el('input', { name: 'credit', maxlength: '200' });
  readonly creditUrl = el('input', { name: 'creditUrl', type: 'url', placeholder: 'https://…' });
  private readonly file = el('input', { type: 'file', name: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif', class: 'lt-sr' });
  private image: EntryImage | null = null;
  private pending = 0;

  constructor(private readonly opts: PictureOptions) {
    const pick = el('label', { class: 'btn', for: 'ltx-file' }, t('picture.choose'));
    this.file.id = 'ltx-file';
    this.drop.append(el('span', {}, t('picture.drop')), pick, this.file, el('span', { class: 'field-error', 'data-error-for': 'image', role: 'alert' }));
    this.file.addEventListener('change', () => {
      if (this.file.files?.[0]) void this.take(this.file.files[0]);
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
      if (f) void this.take(f);
    });
    const row = el('div', { class: 'row' });
    row.append(field(t('picture.caption'), this.caption, 'image.caption'), field(opts.requireCredit ? t('picture.creditRequired') : t('picture.credit'), this.credit, 'image.credit'));
    this.fields.append(row, field(t('picture.creditUrl'), this.creditUrl, 'image.creditUrl'), button(t('picture.remove'), { 'data-action': 'remove-image' }, () => this.set(null)));
  }

  /** Whether a picture is still on its way to the server (a send waits for it). */
  get uploading(): boolean {
    return this.pending > 0;
  }

  /** Uploads a picture and puts it in the form. */
  async take(f: File): Promise<void> {
    this.opts.say(f.name ? t('picture.uploading', { name: f.name }) : t('picture.uploadingUnnamed'), 'meta');
    this.pending++;
    try {
      const got = await this.opts.upload(f);
      this.set({ url: got.url, width: got.width, height: got.height, caption: this.caption.value || undefined, credit: this.credit.value || undefined });
      this.opts.say(t('picture.uploaded', { width: got.width, height: got.height }));
      this.caption.focus();
    } catch (err) {
      this.opts.say(t('picture.refused', { error: errorText(err) }), 'err');
    } finally {
      this.pending--;
    }
  }

  set(image: EntryImage | null): void {
    this.image = image;
    this.fields.hidden = !image;
    this.drop.querySelector('img')?.remove();
    if (image) {
      this.drop.prepend(el('img', { src: image.url, alt: t('picture.alt') }));
      this.caption.value = image.caption ?? '';
      this.credit.value = image.credit ?? '';
      this.creditUrl.value = image.creditUrl ?? '';
    } else {
      this.caption.value = this.credit.value = this.creditUrl.value = '';
    }
    this.opts.changed();
  }

  /**
   * The picture as the API takes it. The open entry's own picture (`orig`) is kept as it is
   * when the form did not change it, so the parts the form does not show (its size) stay.
   */
  read(orig: EntryImage | null | undefined): EntryImage | null {
    const image: EntryImage | null = this.image
      ? {
          url: this.image.url,
          ...(this.image.width && { width: this.image.width, height: this.image.height }),
          ...(this.caption.value.trim() && { caption: this.caption.value.trim() }),
          ...(this.credit.value.trim() && { credit: this.credit.value.trim() }),
          ...(this.creditUrl.value.trim() && { creditUrl: this.creditUrl.value.trim() }),
        }
      : null;
    if (orig && image && same({ ...orig, width: undefined, height: undefined }, { ...image, width: undefined, height: undefined })) return orig;
    return image;
  }
}
