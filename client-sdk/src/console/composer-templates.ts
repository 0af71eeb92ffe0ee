import type { LivetickerClient } from '../client';
import { LivetickerError } from '../rest';
import type { Draft, EntryTemplate } from './draft';
import { t } from './i18n';
import { button, el, field, showErrors } from './ui';

/**
 * The composer's templates: a picker that fills kind, headline and text from one (the newsroom's
 * and this ticker's), and the small form that keeps the form's kind, headline and text as a new
 * one, for this ticker or for every one.
 */
export class TemplatePicker {
  readonly select = el('select', { name: 'template' });
  private templates: EntryTemplate[] = [];

  constructor(
    private readonly client: LivetickerClient,
    private readonly tickerId: string,
    /** Puts a chosen template into the form. */
    private readonly apply: (template: EntryTemplate) => void,
  ) {
    this.select.append(el('option', { value: '' }, '—'));
    this.select.addEventListener('change', () => {
      const chosen = this.templates.find((x) => x.id === this.select.value);
      if (!chosen) return;
      this.select.value = '';
      this.apply(chosen);
    });
  }

  /** Reads the templates; the picker hides itself when they cannot be had. */
  async load(): Promise<void> {
    try {
      const got = await this.client.rest.get<{ items: EntryTemplate[] }>(`/tickers/${this.tickerId}/templates`);
      for (const tpl of got.items) this.add(tpl);
    } catch {
      this.select.closest('.field')?.setAttribute('hidden', '');
    }
  }

  private add(tpl: EntryTemplate): void {
    this.templates.push(tpl);
    this.select.append(el('option', { value: tpl.id }, tpl.name));
  }

  /** Opens "Save as template…" after `after`: the draft's kind, headline and text under a name. */
  openForm(after: HTMLElement, draft: () => Draft, said: (text: string) => void): void {
    after.parentElement?.querySelector('.ltx-template-form')?.remove();
    const box = el('form', { class: 'ltx-inline ltx-template-form', novalidate: '' });
    const name = el('input', { maxlength: '80', name: 'template-name' });
    const everywhere = el('input', { type: 'checkbox', name: 'template-everywhere' });
    const scope = el('label', { class: 'inline' });
    scope.append(everywhere, t('template.everywhere'));
    const out = el('span', { role: 'status' });
    box.append(field(t('template.name'), name, 'name'), scope, el('button', { type: 'submit', class: 'primary', 'data-action': 'confirm-template' }, t('template.save')), button(t('ui.cancel'), {}, () => box.remove()), out);
    box.addEventListener('submit', async (e) => {
      e.preventDefault();
      const d = draft();
      try {
        const tpl = await this.client.rest.post<EntryTemplate>('/templates', { name: name.value, kind: d.kind, title: d.title, body: d.body, ...(!everywhere.checked && { tickerId: this.tickerId }) });
        this.add(tpl);
        box.remove();
        said(t('template.saved', { name: tpl.name }));
      } catch (err) {
        const named = err instanceof LivetickerError && err.code === 'conflict' && (err.details as { field?: string } | undefined)?.field === 'name' ? new LivetickerError('validation_failed', err.message, 409, [{ path: 'name', message: t('template.nameTaken') }]) : err;
        showErrors(box, out, named);
      }
    });
    after.after(box);
    name.focus();
  }
}
