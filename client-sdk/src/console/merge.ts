import type { Draft } from './draft';
import { same } from './draft';

/**
 * The decision behind a refused save (409): someone saved the entry while it was open here.
 * Three versions meet: `base` (what the form was opened on), `mine` (the form now) and `theirs`
 * (what is saved now). Only the fields where mine and theirs differ are asked about; who changed
 * each decides what is preset — only they → theirs, only I → mine, both → mine, marked as both —
 * so that taking the presets keeps both editors' work whenever they touched different fields.
 * Nothing here draws; merge-view.ts shows it.
 */

/** The fields a stale save compares, in the order the merge table shows them. */
export const MERGE_FIELDS = ['title', 'body', 'image', 'embed', 'teaser', 'kind', 'pinned'] as const satisfies ReadonlyArray<keyof Draft>;
export type MergeField = (typeof MERGE_FIELDS)[number];

export type Side = 'mine' | 'theirs';
export type ChangedBy = 'me' | 'them' | 'both';

/** A field where the two versions differ: who changed it since `base`, and the side preset. */
export interface FieldConflict {
  field: MergeField;
  changedBy: ChangedBy;
  preset: Side;
}

/** A side per field; a field not named keeps mine. */
export type MergeChoice = Partial<Record<MergeField, Side>>;

/** The fields where `mine` and `theirs` differ, in table order, each with who changed it and its preset side. */
export function conflicts(base: Draft, mine: Draft, theirs: Draft): FieldConflict[] {
  return MERGE_FIELDS.filter((field) => !same(mine[field], theirs[field])).map((field) => {
    const iChanged = !same(mine[field], base[field]);
    const theyChanged = !same(theirs[field], base[field]);
    // A field that differs was changed by at least one of us: unchanged by me means changed by them.
    const changedBy: ChangedBy = iChanged && theyChanged ? 'both' : iChanged ? 'me' : 'them';
    return { field, changedBy, preset: changedBy === 'them' ? 'theirs' : 'mine' };
  });
}

/** The choice the table opens with: each conflict's preset side. */
export function presetChoice(list: readonly FieldConflict[]): MergeChoice {
  const choice: MergeChoice = {};
  for (const c of list) choice[c.field] = c.preset;
  return choice;
}

/** The draft to save: mine, with the fields chosen as theirs taken from their version. */
export function merged(mine: Draft, theirs: Draft, choice: MergeChoice): Draft {
  const out: Draft = { ...mine };
  for (const field of MERGE_FIELDS) if (choice[field] === 'theirs') (out as unknown as Record<string, unknown>)[field] = theirs[field];
  return out;
}
