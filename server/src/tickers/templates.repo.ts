import type { EntryTemplate } from '@liveticker/schemas';
import type { Db, Trx } from '../db/database';
import type { EntryTemplatesTable } from '../db/tables';

/*
 * Entry templates' table: newsroom-wide ones (ticker_id null) and each ticker's own, a "scope"
 * being one or the other. Lists come in no particular order: the service sorts them by name.
 */

export function toTemplate(row: EntryTemplatesTable): EntryTemplate {
  return {
    id: row.id,
    tickerId: row.ticker_id,
    name: row.name,
    kind: row.kind as EntryTemplate['kind'],
    title: row.title,
    body: row.body,
    version: row.version,
    createdBy: { id: row.created_by_id, displayName: row.created_by_name },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function findTemplate(db: Db | Trx, id: string): Promise<EntryTemplatesTable | undefined> {
  return db.selectFrom('entry_templates').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The templates a ticker's desk may use: the ticker's own and the newsroom-wide ones. */
export function templatesForTicker(db: Db | Trx, tickerId: string): Promise<EntryTemplatesTable[]> {
  return db
    .selectFrom('entry_templates')
    .selectAll()
    .where((eb) => eb.or([eb('ticker_id', '=', tickerId), eb('ticker_id', 'is', null)]))
    .execute();
}

/** The templates of one scope: a ticker's own, or (null) the newsroom-wide ones. */
export function templatesIn(db: Db | Trx, tickerId: string | null): Promise<EntryTemplatesTable[]> {
  const select = db.selectFrom('entry_templates').selectAll();
  return (tickerId ? select.where('ticker_id', '=', tickerId) : select.where('ticker_id', 'is', null)).execute();
}

/** How many templates a scope holds: a ticker's own, or (null) the newsroom-wide ones. */
export async function countTemplatesIn(db: Db | Trx, tickerId: string | null): Promise<number> {
  const scope = db.selectFrom('entry_templates').select((eb) => eb.fn.countAll<number | string | bigint>().as('n'));
  const { n } = await (tickerId ? scope.where('ticker_id', '=', tickerId) : scope.where('ticker_id', 'is', null)).executeTakeFirstOrThrow();
  return Number(n);
}

export async function insertTemplate(db: Db | Trx, row: EntryTemplatesTable): Promise<void> {
  await db.insertInto('entry_templates').values(row).execute();
}

/** Changes a template only while it is still at `version`: undefined when it is not (or gone). */
export function updateTemplateAt(db: Db | Trx, id: string, version: number, set: Partial<EntryTemplatesTable>): Promise<EntryTemplatesTable | undefined> {
  return db.updateTable('entry_templates').set(set).where('id', '=', id).where('version', '=', version).returningAll().executeTakeFirst();
}

/** The version a template is at, or undefined when there is no such template. */
export async function templateVersion(db: Db | Trx, id: string): Promise<number | undefined> {
  const row = await db.selectFrom('entry_templates').select('version').where('id', '=', id).executeTakeFirst();
  return row?.version;
}

/** Deletes a template: false when there was none. */
export async function removeTemplate(db: Db | Trx, id: string): Promise<boolean> {
  const done = await db.deleteFrom('entry_templates').where('id', '=', id).executeTakeFirst();
  return Number(done.numDeletedRows) > 0;
}
