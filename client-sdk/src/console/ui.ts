import { LivetickerError } from '../rest';
import { el } from '../widgets/dom';
import { t } from './i18n';

export { el };

/** What went wrong, in a sentence an editor can act on. */
export function errorText(err: unknown): string {
  if (err instanceof LivetickerError) {
    const details = Array.isArray(err.details) ? (err.details as Array<{ path?: string; message?: string }>) : [];
    const parts = details.filter((d) => d.message).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
    return parts.length ? `${err.message} (${parts.join('; ')})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Says something in a status line (an `aria-live` region). */
export function say(out: HTMLElement, text: string, kind: 'ok' | 'err' | 'meta' = 'ok'): void {
  out.className = kind;
  out.textContent = text;
}

/** A labelled input with a place for its error; the input gets `name` and `data-field`. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, path: string, hint?: string): HTMLElement {
  const id = `f-${path.replace(/[^a-z0-9]/gi, '-')}-${Math.random().toString(36).slice(2, 7)}`;
  input.id = id;
  input.setAttribute('data-field', path);
  if (!input.getAttribute('name')) input.setAttribute('name', path);
  const wrap = el('div', { class: 'field' });
  const l = el('label', { for: id }, label);
  const error = el('span', { class: 'field-error', 'data-error-for': path, id: `${id}-err`, role: 'alert' });
  input.setAttribute('aria-describedby', `${id}-err`);
  // A field's error goes as soon as it is changed.
  input.addEventListener('input', () => {
    error.textContent = '';
    input.removeAttribute('aria-invalid');
  });
  wrap.append(l, input);
  if (hint) wrap.append(el('span', { class: 'meta' }, hint));
  wrap.append(error);
  return wrap;
}

/**
 * Puts an API error beside the fields it names (`details[].path`, matched by the longest prefix
 * a field of the form has) and says the rest in `out`. Returns whether any field took one.
 */
export function showErrors(form: HTMLElement, out: HTMLElement, err: unknown, prefix = ''): boolean {
  clearErrors(form);
  const details = err instanceof LivetickerError && Array.isArray(err.details) ? (err.details as Array<{ path?: string; message?: string }>) : [];
  const paths = new Set([...form.querySelectorAll<HTMLElement>('[data-error-for]')].map((n) => n.getAttribute('data-error-for')!));
  let placed = false;
  const rest: string[] = [];
  for (const d of details) {
    let path = `${prefix}${d.path ?? ''}`;
    while (path && !paths.has(path)) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    if (!path) {
      rest.push(d.path ? `${d.path}: ${d.message}` : (d.message ?? ''));
      continue;
    }
    const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS_escape(path)}"]`)!;
    slot.textContent = slot.textContent ? `${slot.textContent}; ${d.message}` : (d.message ?? t('ui.invalid'));
    form.querySelector(`[data-field="${CSS_escape(path)}"]`)?.setAttribute('aria-invalid', 'true');
    placed = true;
  }
  const message = err instanceof LivetickerError ? err.message : errorText(err);
  say(out, placed ? `${t('ui.seeField', { message })}${rest.length ? `; ${rest.join('; ')}` : ''}` : errorText(err), 'err');
  if (placed) form.querySelector<HTMLElement>('[aria-invalid=true]')?.focus();
  return placed;
}

export function clearErrors(form: HTMLElement): void {
  for (const n of form.querySelectorAll('[data-error-for]')) n.textContent = '';
  for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
}

function CSS_escape(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}

export function button(label: string, attrs: Record<string, string>, onClick: () => unknown): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', () => void onClick());
  return b;
}

/**
 * A destructive action asks inline, beside its button ("Delete? Yes / No"), never with the
 * browser's confirm(): the question stays in the console's flow and works on every device.
 */
export function confirming(label: string, question: string, attrs: Record<string, string>, run: () => Promise<unknown>, out: HTMLElement): HTMLElement {
  const wrap = el('span');
  const b = el('button', { type: 'button', class: 'danger', ...attrs }, label);
  b.addEventListener('click', () => {
    const yes = el('button', { type: 'button', class: 'danger', 'data-confirm': 'yes' }, t('ui.yes', { action: label.toLowerCase() }));
    const no = el('button', { type: 'button', 'data-confirm': 'no' }, t('ui.no'));
    const ask = el('span', { role: 'group', 'aria-label': question });
    ask.append(el('span', { class: 'meta' }, `${question} `), yes, no);
    wrap.replaceChildren(ask);
    yes.focus();
    no.addEventListener('click', () => {
      wrap.replaceChildren(b);
      b.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        await run();
      } catch (err) {
        say(out, errorText(err), 'err');
      }
      wrap.replaceChildren(b);
    });
  });
  wrap.append(b);
  return wrap;
}

/** `2026-12-04T21:30` (with `:05` seconds when asked) in the browser's time zone, for a datetime-local input. */
export function toLocalInput(iso: string | null | undefined, seconds = false): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
}

/** A datetime-local value as an ISO instant; undefined when empty or not a date. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Puts `nodes` in `parent` unless it already holds exactly them (so open forms and focus stay). */
export function replaceIfChanged(parent: HTMLElement, nodes: HTMLElement[]): void {
  const now = parent.children;
  if (now.length === nodes.length && nodes.every((n, i) => now[i] === n)) return;
  parent.replaceChildren(...nodes);
}
