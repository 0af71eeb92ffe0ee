import { CreateEntryTemplateBody, MAX_TEMPLATES_PER_SCOPE, PatchEntryTemplateBody, TemplatesQuery } from '@liveticker/schemas';
import type { EntryTemplate, EntryTemplateList } from '@liveticker/schemas';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { newId } from '../db/ids';
import type { AppContext } from '../context';
import { isUniqueViolation } from '../db/database';
import type { Db, Trx } from '../db/database';
import type { EntryTemplatesTable } from '../db/tables';
import { AppError, parseInput } from '../errors';
import { entryBodyOrRefuse } from './sanitize';
import { findTicker } from './tickers.repo';
import { countTemplatesIn, findTemplate, insertTemplate, removeTemplate, templateVersion, templatesForTicker, templatesIn, toTemplate, updateTemplateAt } from './templates.repo';

/*
 * Entry templates: what a desk's new entry starts from (kind, title, body). Newsroom-wide ones
 * (ticker_id null) and a ticker's own. Editors only, reading included: they are the desk's tools,
 * not news.
 */

type Ctx = Pick<AppContext, 'db'>;

/** What names are compared by: "Quote" and "quote" are one name within a scope. */
export function templateNameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Sorted by name as people read it (any case, digits as numbers), the same on every database. */
const byName = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
function sorted(rows: EntryTemplatesTable[]): EntryTemplate[] {
  return rows
    .sort((a, b) => byName.compare(a.name, b.name) || Number(a.ticker_id === null) - Number(b.ticker_id === null) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(toTemplate);
}

async function mustFind(db: Db | Trx, id: string): Promise<EntryTemplatesTable> {
  const row = await findTemplate(db, id);
  if (!row) throw new AppError('not_found', `no template ${id}`);
  return row;
}

async function mustTicker(db: Db | Trx, tickerId: string, path?: string): Promise<void> {
  if (!(await findTicker(db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`, path ? [{ path, message: 'no such ticker' }] : undefined);
}

const nameTaken = (name: string) => new AppError('conflict', `a template named "${name}" exists already here`, { field: 'name', name });

/** `GET /tickers/:id/templates`: the ticker's own and the newsroom-wide ones, by name. */
export async function listTickerTemplates(ctx: Ctx, actor: Actor | undefined, tickerId: string): Promise<EntryTemplateList> {
  requireRole(actor, 'editor');
  await mustTicker(ctx.db, tickerId);
  return { items: sorted(await templatesForTicker(ctx.db, tickerId)) };
}

/** `GET /templates`: the newsroom-wide ones, or (`?ticker=`) one ticker's own, by name. */
export async function listTemplates(ctx: Ctx, actor: Actor | undefined, query: unknown): Promise<EntryTemplateList> {
  requireRole(actor, 'editor');
  const q = parseInput(TemplatesQuery, query, 'query');
  if (q.ticker) await mustTicker(ctx.db, q.ticker, 'ticker');
  return { items: sorted(await templatesIn(ctx.db, q.ticker ?? null)) };
}

export async function getTemplate(ctx: Ctx, actor: Actor | undefined, id: string): Promise<EntryTemplate> {
  requireRole(actor, 'editor');
  return toTemplate(await mustFind(ctx.db, id));
}

/**
 * `POST /templates`: 201; a tickerId that names no ticker is a 404, a name its scope holds
 * already a 409, and so is a scope that holds MAX_TEMPLATES_PER_SCOPE. Two creates at the same
 * moment may both pass the count: the limit is a guard against a runaway script, not an exact quota.
 */
export async function createTemplate(ctx: Ctx, actor: Actor | undefined, body: unknown): Promise<EntryTemplate> {
  const author = requireRole(actor, 'editor');
  const input = parseInput(CreateEntryTemplateBody, body, 'template');
  const tickerId = input.tickerId ?? null;
  const now = new Date().toISOString();
  const row: EntryTemplatesTable = {
    id: newId(),
    ticker_id: tickerId,
    name: input.name,
    name_key: templateNameKey(input.name),
    kind: input.kind,
    title: input.title || null,
    body: entryBodyOrRefuse(input.body, 'template'),
    version: 1,
    created_by_id: author.id,
    created_by_name: author.displayName,
    created_at: now,
    updated_at: now,
  };
  try {
    await ctx.db.transaction().execute(async (trx) => {
      if (tickerId) await mustTicker(trx, tickerId, 'tickerId');
      if ((await countTemplatesIn(trx, tickerId)) >= MAX_TEMPLATES_PER_SCOPE) {
        throw new AppError('conflict', `${tickerId ? `ticker ${tickerId}` : 'the newsroom'} has ${MAX_TEMPLATES_PER_SCOPE} templates already, the most it may hold: delete one first`, {
          limit: MAX_TEMPLATES_PER_SCOPE,
        });
      }
      await insertTemplate(trx, row);
    });
  } catch (err) {
    throw isUniqueViolation(err) ? nameTaken(input.name) : err;
  }
  return toTemplate(row);
}

/** `PATCH /templates/:id`: the body names the `version` it edits; a stale one is a 409 as for entries. */
export async function patchTemplate(ctx: Ctx, actor: Actor | undefined, id: string, body: unknown): Promise<EntryTemplate> {
  requireRole(actor, 'editor');
  const input = parseInput(PatchEntryTemplateBody, body, 'template');
  const current = await mustFind(ctx.db, id);
  if (current.version !== input.version) {
    throw new AppError('conflict', 'the template was changed meanwhile; reload it and edit again', { currentVersion: current.version });
  }
  const set: Partial<EntryTemplatesTable> = {
    ...(input.name !== undefined && { name: input.name, name_key: templateNameKey(input.name) }),
    ...(input.kind !== undefined && { kind: input.kind }),
    ...(input.title !== undefined && { title: input.title || null }),
    ...(input.body !== undefined && { body: entryBodyOrRefuse(input.body, 'template') }),
    version: current.version + 1,
    updated_at: new Date().toISOString(),
  };
  let row: EntryTemplatesTable | undefined;
  try {
    row = await updateTemplateAt(ctx.db, id, input.version, set);
  } catch (err) {
    throw isUniqueViolation(err) ? nameTaken(input.name ?? current.name) : err;
  }
  if (!row) {
    // Deleted, or saved by someone else, since it was read.
    const now = await templateVersion(ctx.db, id);
    if (now === undefined) throw new AppError('not_found', `no template ${id}`);
    throw new AppError('conflict', 'the template was changed meanwhile; reload it and edit again', { currentVersion: now });
  }
  return toTemplate(row);
}

export async function deleteTemplate(ctx: Ctx, actor: Actor | undefined, id: string): Promise<void> {
  requireRole(actor, 'editor');
  if (!(await removeTemplate(ctx.db, id))) throw new AppError('not_found', `no template ${id}`);
}
