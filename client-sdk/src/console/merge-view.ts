import type { EntryImage, EntryKind, Teaser, EmbedInput } from '@liveticker/schemas';
import type { Draft } from './draft';
import type { FieldConflict, MergeChoice, MergeField } from './merge';
import { presetChoice } from './merge';
import { t } from './i18n';
import type { Key } from './i18n';
import { button, el } from './ui';

export interface MergeViewOptions {
  /** The fields where the versions differ (merge.ts `conflicts`). */
  conflicts: readonly FieldConflict[];
  mine: Draft;
  theirs: Draft & { version: number };
  /** Who saved their version, and when ("Ben, 21:40"). */
  by: string;
  /** "Save this choice", "Merge by hand in the form": the choice as the radios stand. */
  onSave: (choice: MergeChoice) => unknown;
  onByHand: (choice: MergeChoice) => unknown;
  onDiscard: () => void;
}

const CHANGED_BY: Record<FieldConflict['changedBy'], Key> = { both: 'merge.byBoth', me: 'merge.byMe', them: 'merge.byThem' };

/** A field's value as a cell shows it. */
function cell(k: MergeField, v: unknown): HTMLElement {
  const out = el('div', { class: 'html' });
  if (k === 'body') out.innerHTML = String(v || `<em>${t('merge.empty')}</em>`); // mine: the editor's schema output; theirs: sanitized by the server
  else if (k === 'image') out.textContent = v ? [(v as EntryImage).caption, (v as EntryImage).credit && `© ${(v as EntryImage).credit}`, (v as EntryImage).url].filter(Boolean).join(' · ') : t('merge.none');
  else if (k === 'embed') out.textContent = v ? [(v as EmbedInput).caption, (v as EmbedInput).credit && `© ${(v as EmbedInput).credit}`, (v as EmbedInput).url].filter(Boolean).join(' · ') : t('merge.none');
  else if (k === 'teaser') out.textContent = v ? `${(v as Teaser).title} – ${(v as Teaser).url}` : t('merge.none');
  else if (k === 'pinned') out.textContent = v ? t('merge.pinned') : t('merge.notPinned');
  else if (k === 'kind') out.textContent = t(`kind.${v as EntryKind}`);
  else out.textContent = v === null || v === '' ? t('merge.none') : String(v);
  return out;
}

/**
 * Both versions side by side, field by field, each with "keep mine" / "take theirs" preset as
 * merge.ts decided, and the three ways on: save the choice, merge by hand, or discard mine.
 * Returns the children of the composer's merge region.
 */
export function mergeView(o: MergeViewOptions): HTMLElement[] {
  const choice = presetChoice(o.conflicts);
  const table = el('table');
  const head = el('tr');
  head.append(el('th', {}, t('merge.field')), el('th', {}, t('merge.yours')), el('th', {}, t('merge.theirs', { version: o.theirs.version, by: o.by })));
  table.append(head);
  for (const c of o.conflicts) {
    const k = c.field;
    const row = el('tr', { 'data-merge-field': k, 'data-changed-by': c.changedBy });
    const cells = (['mine', 'theirs'] as const).map((side) => {
      const td = el('td');
      const r = el('input', { type: 'radio', name: `merge-${k}`, value: side });
      r.checked = side === c.preset;
      r.addEventListener('change', () => (choice[k] = side));
      const l = el('label', { class: 'inline' });
      l.append(r, side === 'mine' ? t('merge.keepMine') : t('merge.takeTheirs'));
      td.append(l, cell(k, side === 'mine' ? o.mine[k] : o.theirs[k]));
      return td;
    });
    const th = el('th', {}, t(`merge.field.${k}`));
    th.append(el('span', { class: 'meta' }, t(CHANGED_BY[c.changedBy])));
    row.append(th, ...cells);
    table.append(row);
  }
  const actions = el('div');
  actions.append(
    button(t('merge.saveChoice'), { class: 'primary', 'data-action': 'merge-save' }, () => o.onSave(choice)),
    button(t('merge.byHand'), { 'data-action': 'merge-edit' }, () => o.onByHand(choice)),
    button(t('merge.discard'), { 'data-action': 'merge-discard' }, o.onDiscard),
  );
  return [el('h3', {}, t('merge.title')), el('p', {}, o.conflicts.length ? t('merge.intro') : t('merge.same')), table, actions];
}
