import type { Db } from '../db/database';
import { AppError } from '../errors';
import { skeleton } from '../text/skeleton';
import { OPS_ACTOR } from './actor';

/**
 * Words a reader's display name may not be, in any script or disguise: the newsroom's own
 * ("Newsroom" is the author of entries posted with the ops key) and the roles readers trust.
 */
export const RESERVED_NAMES = [
  OPS_ACTOR.displayName,
  'admin', 'administrator', 'admins', 'moderator', 'moderators', 'moderation', 'mod', 'mods',
  'editor', 'editors', 'staff', 'support', 'official', 'system', 'liveticker', 'operator', 'root',
  'redaktion', 'redakteur', 'redakteurin', 'moderatorin', 'newsdesk', 'newsticker',
  'модератор', 'администратор', 'админ', 'редакция', 'редактор',
];

const squash = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, '');

/** A name in its compared form: confusables skeleton, letters and digits only. */
export function nameKey(name: string): string {
  return squash(skeleton(name));
}

const RESERVED = new Set(RESERVED_NAMES.map(nameKey));
/** Long enough to be refused anywhere in a name ("AdminTeam", "NewsroomOfficial"). */
const RESERVED_INSIDE = [...RESERVED].filter((k) => [...k].length >= 5);

/** Whether a name is, begins or ends with, or (for the longer words) contains a reserved word. */
function reserved(name: string): boolean {
  const key = nameKey(name);
  const words = skeleton(name).split(/[^\p{L}]+/u).filter(Boolean);
  if (RESERVED.has(key) || words.some((w) => RESERVED.has(w))) return true;
  if (RESERVED_INSIDE.some((r) => key.includes(r))) return true;
  return [...RESERVED].some((r) => [...r].length >= 3 && (key.startsWith(r) || key.endsWith(r)));
}

function refuse(message: string): AppError {
  return new AppError('validation_failed', message, [{ path: 'displayName', message }]);
}

/**
 * Refuses a reader's display name that passes for the newsroom or someone else: a reserved word
 * (as the whole name or one of its words: "Mod\u00ADerator", "Аdmin" in Cyrillic, "Team Admin"),
 * a staff member's name, or another user's name written with other characters ("Аnna" when
 * "Anna" exists). The same name written the same way is allowed: common names repeat.
 */
export async function checkReaderName(db: Db, name: string, selfId?: string): Promise<void> {
  const key = nameKey(name);
  if (reserved(name)) throw refuse('this name is reserved for the newsroom');
  let q = db.selectFrom('users').select(['id', 'display_name', 'role']).where('name_key', '=', key);
  if (selfId) q = q.where('id', '!=', selfId);
  for (const other of await q.limit(20).execute()) {
    if (other.role !== 'reader') throw refuse('this name belongs to a member of the newsroom');
    if (other.display_name !== name) throw refuse('this name is too close to another reader’s name');
  }
}
