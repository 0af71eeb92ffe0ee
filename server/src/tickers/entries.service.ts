import { CreateEntryBody, EntriesQuery, KeyEventsQuery, PatchEntryBody, RestoreEntryBody, tickerStream } from '@liveticker/schemas';
import type { Entry, EntryChange, EntryList, KeyEventList } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import { hasRole, isDeskMember } from '../auth/actor';
import { isUniqueViolation } from '../db/database';
import type { Trx } from '../db/database';
import { commit } from '../db/commit';
import { newId } from '../db/ids';
import type { Write } from '../db/commit';
import { seqPage } from '../db/cursor';
import { AppError, parseInput } from '../errors';
import {
  claimUnpublished,
  findEntry,
  insertEntry,
  listEntries,
  listKeyEvents,
  listPinned,
  listUnpublished,
  lowestSeq,
  pinnedEntries,
  removeEntry,
  toEntry,
  updateEntry,
  updateEntryAt,
} from './entries.repo';
import { deleteVersions, findVersion, listVersions, recordVersions } from './versions.repo';
import { findTicker } from './tickers.repo';
import { entryBodyOrRefuse } from './sanitize';
import { storedEmbed } from './embeds';
import { searchText } from './search';
import { deleteVotes, hasVotes } from '../polls/polls.repo';
import { withDeskResults } from '../polls/polls.service';
import type { PollInput } from '@liveticker/schemas';

type Ctx = Pick<AppContext, 'db' | 'publisher'>;

export async function listEntriesPage(ctx: Pick<AppContext, 'db'>, tickerId: string, query: unknown, actor?: Actor): Promise<EntryList> {
  const q = parseInput(EntriesQuery, query, 'query');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  if (q.status) {
    // The desk's drafts and plans: editors only; a short list, no pages.
    requireRole(actor, 'editor');
    return { items: await listUnpublished(ctx.db, tickerId, q.status, 100), pinned: [], nextCursor: null };
  }
  const page = await seqPage(q, (afterSeq, limit) => listEntries(ctx.db, { tickerId, order: q.order, limit, afterSeq, q: q.q }));
  // Pinned entries come with the first page only; later pages are the flow below them. A search
  // lists what it found, pinned or not, in the flow.
  const pinned = q.cursor || q.q ? [] : await listPinned(ctx.db, tickerId);
  if (isDeskMember(actor)) return { ...page, items: await withDeskResults(ctx.db, page.items), pinned: await withDeskResults(ctx.db, pinned) };
  return { ...page, pinned };
}

export async function listKeyEventsOf(ctx: Pick<AppContext, 'db'>, tickerId: string, query: unknown): Promise<KeyEventList> {
  const q = parseInput(KeyEventsQuery, query, 'query');
  if (!(await findTicker(ctx.db, tickerId))) throw new AppError('not_found', `no ticker ${tickerId}`);
  return { items: await listKeyEvents(ctx.db, tickerId, q.limit) };
}

export async function getEntry(ctx: Pick<AppContext, 'db'>, tickerId: string, id: string, actor?: Actor): Promise<Entry> {
  const entry = await findEntry(ctx.db, tickerId, id);
  // An unpublished entry does not exist for anyone below editor (not even a 403 says it does).
  if (!entry || (entry.status !== 'published' && !isDesk(actor))) {
    throw new AppError('not_found', `no entry ${id} in ticker ${tickerId}`);
  }
  return isDeskMember(actor) ? (await withDeskResults(ctx.db, [entry]))[0]! : entry;
}

/** Editors (verified): they see drafts. (Every poll's counts: the whole desk, `isDeskMember`.) */
function isDesk(actor: Actor | undefined): boolean {
  return Boolean(actor && actor.emailVerified && hasRole(actor, 'editor'));
}

/** A poll as stored: its closing time in UTC. */
function storedPoll(poll: PollInput): { poll: string; poll_closes_at: string | null } {
  const closesAt = poll.closesAt ? new Date(poll.closesAt).toISOString() : null;
  return { poll: JSON.stringify({ ...poll, closesAt }), poll_closes_at: closesAt };
}

/** A new closing time must lie ahead (to close a poll now, an editor closes it). */
function checkClosesAt(poll: PollInput | undefined, unchanged?: string | null): void {
  if (!poll?.closesAt || Date.parse(poll.closesAt) > Date.now()) return;
  if (unchanged && Date.parse(unchanged) === Date.parse(poll.closesAt)) return;
  throw new AppError('validation_failed', 'invalid entry', [{ path: 'poll.closesAt', message: 'must be in the future (to close a poll now, use POST …/close)' }]);
}

/**
 * An edit's poll: only a poll entry has one and stays one; once closed, its closing time is fixed.
 * Whether its options may still change (no vote yet) is checked under the row's lock.
 */
function checkPollEdit(current: Entry, input: PatchEntryBody): void {
  const kind = input.kind ?? current.kind;
  if ((kind === 'answer') !== (current.kind === 'answer')) {
    throw new AppError('validation_failed', 'invalid entry', [{ path: 'kind', message: 'an answer stays an answer, and no other entry becomes one' }]);
  }
  if ((kind === 'poll') !== (current.kind === 'poll')) {
    throw new AppError('validation_failed', 'invalid entry', [{ path: 'kind', message: 'a poll stays a poll, and no other entry becomes one' }]);
  }
  if (input.poll && current.kind !== 'poll') throw new AppError('validation_failed', 'invalid entry', [{ path: 'poll', message: 'only a poll entry has a poll' }]);
  if (!input.poll || !current.poll) return;
  if (current.poll.closed && (input.poll.closesAt ?? null) !== null && Date.parse(input.poll.closesAt!) !== Date.parse(current.poll.closesAt ?? '')) {
    throw new AppError('poll_closed', 'this poll has closed: its closing time stays');
  }
  checkClosesAt(input.poll, current.poll.closesAt);
}

/** Whether an edit changes a poll's options (ids, labels or their order). */
function optionsChange(current: Entry, input: PatchEntryBody): boolean {
  return Boolean(input.poll && current.poll && JSON.stringify(input.poll.options.map((o) => [o.id, o.label])) !== JSON.stringify(current.poll.options.map((o) => [o.id, o.label])));
}

/**
 * Unpins the entries pinned longest ago until at most `keep` stay pinned: each unpinning takes
 * the stream's next revision and is recorded as a change. Pinning one entry more than the
 * ticker's `maxPinned` thus unpins the oldest pin instead of refusing it.
 */
export async function unpinOldest(w: Write, tickerId: string, keep: number, except?: string): Promise<EntryChange[]> {
  const pinned = await pinnedEntries(w.trx, tickerId, except);
  const changes: EntryChange[] = [];
  for (const old of pinned.slice(Math.max(0, keep)).reverse()) {
    const change = await w.change(tickerStream(tickerId), 'entry.updated', (rev) =>
      updateEntry(w.trx, tickerId, old.id, { pinned: 0, pinned_at: null, rev, version: old.version + 1, updated_at: new Date().toISOString() }),
    );
    changes.push(change);
  }
  return changes;
}

/**
 * The columns an edit's content fields change (published or not): the body sanitized, JSON as
 * text, and the search text again whenever the title or the text changes.
 */
function contentChanges(input: ReturnType<typeof PatchEntryBody.parse>, current: Entry) {
  const body = input.body !== undefined ? entryBodyOrRefuse(input.body) : undefined;
  const title = input.title !== undefined ? input.title : undefined;
  return {
    ...(input.kind !== undefined && { kind: input.kind }),
    ...(title !== undefined && { title }),
    ...(body !== undefined && { body }),
    ...(input.image !== undefined && { image: input.image ? JSON.stringify(input.image) : null }),
    ...(input.teaser !== undefined && { teaser: input.teaser ? JSON.stringify(input.teaser) : null }),
    ...(input.embed !== undefined && { embed: input.embed ? JSON.stringify(storedEmbed(input.embed)) : null }),
    ...((title !== undefined || body !== undefined) && { search_text: searchText(title !== undefined ? title : current.title, body ?? current.body) }),
    ...(input.poll !== undefined && storedPoll(input.poll)),
  };
}

/** A ticker that asks for picture credits refuses a picture without one, naming the field. */
function checkCredit(ticker: { requireImageCredit: boolean } | undefined, image: { credit?: string } | null | undefined): void {
  if (ticker?.requireImageCredit && image && !image.credit?.trim()) {
    throw new AppError('validation_failed', 'invalid entry', [{ path: 'image.credit', message: 'this ticker asks for a credit with every picture' }]);
  }
}

/** An edit may take the text away only where a title, picture or related article stays. */
function checkNotEmpty(current: Entry, input: PatchEntryBody): void {
  const pick = <K extends 'title' | 'image' | 'teaser' | 'embed'>(k: K) => (input[k] === undefined ? current[k] : input[k]);
  const body = input.body === undefined ? current.body : input.body;
  if (body.trim() === '' && !pick('title') && !pick('image') && !pick('teaser') && !pick('embed') && !current.poll) {
    throw new AppError('validation_failed', 'invalid entry', [{ path: 'body', message: 'an entry needs a body, title, image, teaser or embed' }]);
  }
}

/** Where an unpublished entry sits: below every published one (seq < 1), the newest lowest. */
async function draftSeq(trx: Trx, tickerId: string): Promise<number> {
  return Math.min(await lowestSeq(trx, tickerId), 0) - 1;
}

/** What a create or edit asks for: published now, kept as a draft, or scheduled for later. */
function plannedStatus(status: Entry['status'] | undefined, publishAt: string | null | undefined, now: Date): { status: Entry['status']; publishAt: string | null } {
  if (status === 'draft') return { status: 'draft', publishAt: null };
  // Asked to publish: now, whatever time was planned.
  if (status === 'published') return { status: 'published', publishAt: null };
  if (publishAt && Date.parse(publishAt) > now.getTime()) return { status: 'scheduled', publishAt: new Date(publishAt).toISOString() };
  if (status === 'scheduled') {
    throw new AppError('validation_failed', 'invalid entry', [{ path: 'publishAt', message: publishAt ? 'must be in the future' : 'a scheduled entry needs publishAt' }]);
  }
  return { status: 'published', publishAt: null };
}

export async function createEntry(ctx: Ctx, actor: Actor | undefined, tickerId: string, body: unknown): Promise<Entry> {
  const author = requireRole(actor, 'editor');
  const input = parseInput(CreateEntryBody, body, 'entry');
  const html = entryBodyOrRefuse(input.body);
  const embed = input.embed ? storedEmbed(input.embed) : null;
  const plan = plannedStatus(input.status, input.publishAt, new Date());
  checkClosesAt(input.poll);
  // Two desks saving drafts at the same moment may pick the same place below the flow: try again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await commit(ctx, (w) => createIn(w, author, tickerId, { ...input, html, embed }, plan));
    } catch (err) {
      if (plan.status === 'published' || attempt >= 4 || !isUniqueViolation(err)) throw err;
    }
  }
}

/**
 * Writes a new entry in the caller's commit (the normal write path of every entry): `input` with
 * its sanitized `html` and recognised `embed`; `extra`: columns another domain's entry carries (an
 * answer's `question`).
 */
export async function createIn(
  w: Write,
  author: Actor,
  tickerId: string,
  input: CreateEntryBody & { html: string; embed: Entry['embed'] },
  plan: { status: Entry['status']; publishAt: string | null },
  extra: { question?: string } = {},
): Promise<Entry> {
  const ticker = await findTicker(w.trx, tickerId);
  if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
  if (plan.status !== 'draft') checkCredit(ticker, input.image);
  const published = plan.status === 'published';
  // An unpublished entry takes no revision: nothing about it reaches the stream until it goes out.
  const unpinned = published && input.pinned ? await unpinOldest(w, tickerId, ticker.maxPinned - 1) : [];
  // Unpublished: below every revision (rev = seq < 0, unique like every rev of the ticker).
  const rev = published ? await w.rev(tickerStream(tickerId)) : await draftSeq(w.trx, tickerId);
  const now = new Date().toISOString();
  const row = {
    id: newId(),
    ticker_id: tickerId,
    seq: rev,
    rev,
    kind: input.kind,
    title: input.title ?? null,
    body: input.html,
    image: input.image ? JSON.stringify(input.image) : null,
    teaser: input.teaser ? JSON.stringify(input.teaser) : null,
    embed: input.embed ? JSON.stringify(input.embed) : null,
    pinned: input.pinned ? 1 : 0,
    pinned_at: input.pinned ? now : null,
    author_id: author.id,
    author_name: author.displayName,
    published_at: now,
    updated_at: now,
    version: 1,
    deleted_at: null,
    status: plan.status,
    publish_at: plan.publishAt,
    search_text: searchText(input.title ?? null, input.html),
    ...(input.poll ? storedPoll(input.poll) : {}),
    ...extra,
  };
  await insertEntry(w.trx, row);
  const created: EntryChange = { rev, type: 'entry.created', data: toEntry(row) };
  if (published) w.record(tickerStream(tickerId), created);
  await recordVersions(w.trx, [...unpinned, created], author);
  return created.data;
}

/**
 * Publishes an unpublished entry: it takes the stream's next revision, which is also its place in
 * the ticker (it goes to the top), and readers get it as `entry.created`. Resolves the changes it
 * recorded, or undefined when it was not (or no longer) waiting — so a scheduled entry is
 * published once, by whichever node claims it first.
 */
export async function publishIn(w: Write, tickerId: string, id: string, from: Entry['status'][], dueBy?: string): Promise<EntryChange[] | undefined> {
  const trx = w.trx;
  const current = await findEntry(trx, tickerId, id);
  if (!current || current.deletedAt || current.status === 'published' || !from.includes(current.status)) return undefined;
  const ticker = await findTicker(trx, tickerId);
  checkCredit(ticker, current.image);
  // The claim: only one transaction turns this row, as it was read (its version; for the
  // scheduler, still due), from waiting to published.
  if (!(await claimUnpublished(trx, tickerId, id, { status: current.status, version: current.version, dueBy }))) return undefined;
  // A pinned one keeps its pin: the pins beyond the ticker's limit are the others, oldest first.
  const unpinned = current.pinned && ticker ? await unpinOldest(w, tickerId, ticker.maxPinned - 1, id) : [];
  const now = new Date().toISOString();
  const created = await w.change(tickerStream(tickerId), 'entry.created', (rev) =>
    updateEntry(trx, tickerId, id, { rev, seq: rev, published_at: now, updated_at: now, publish_at: null, version: current.version + 1, ...(current.pinned ? { pinned: 1, pinned_at: now } : {}) }),
  );
  return [...unpinned, created];
}

export async function patchEntry(
  ctx: Ctx,
  actor: Actor | undefined,
  tickerId: string,
  id: string,
  body: unknown,
): Promise<Entry> {
  const editor = requireRole(actor, 'editor');
  const input = parseInput(PatchEntryBody, body, 'entry');
  const stream = tickerStream(tickerId);
  const edited = await commit(ctx, async (w) => {
    const made = await patchIn(w);
    await recordVersions(w.trx, made, editor);
    return made[made.length - 1]!.data;
  });
  // The editor's answer: a poll with its counts, as the desk sees it.
  return edited.poll ? (await withDeskResults(ctx.db, [edited]))[0]! : edited;

  async function patchIn(w: Write): Promise<EntryChange[]> {
    const trx = w.trx;
    const current = await findEntry(trx, tickerId, id);
    if (!current || current.deletedAt) throw new AppError('not_found', `no entry ${id} in ticker ${tickerId}`);
    if (current.version !== input.version) {
      throw new AppError('conflict', 'the entry was changed meanwhile; reload it and edit again', {
        currentVersion: current.version,
      });
    }
    checkNotEmpty(current, input);
    checkPollEdit(current, input);
    if (current.status !== 'published') return patchUnpublished(w, current, input);
    if (input.status !== undefined && input.status !== 'published') {
      throw new AppError('validation_failed', 'invalid entry', [{ path: 'status', message: 'a published entry cannot go back to draft or be scheduled (delete it instead)' }]);
    }
    if (input.publishAt) throw new AppError('validation_failed', 'invalid entry', [{ path: 'publishAt', message: 'the entry is already published' }]);
    const pinning = input.pinned === true && !current.pinned;
    const ticker = await findTicker(trx, tickerId);
    if (input.image !== undefined) checkCredit(ticker, input.image);
    const unpinned = pinning && ticker ? await unpinOldest(w, tickerId, ticker.maxPinned - 1) : [];
    const now = new Date().toISOString();
    const updated = await w.change(stream, 'entry.updated', async (rev) => {
      const entry = await updateEntryAt(trx, tickerId, id, input.version, {
        ...contentChanges(input, current),
        ...(input.pinned !== undefined && input.pinned !== current.pinned && { pinned: input.pinned ? 1 : 0, pinned_at: input.pinned ? now : null }),
        rev,
        version: current.version + 1,
        updated_at: now,
      });
      if (!entry) throw new AppError('conflict', 'the entry was changed meanwhile; reload it and edit again');
      // Asked after the row's update: its lock waited for the votes under way (they hold it shared).
      if (optionsChange(current, input) && (await hasVotes(trx, id))) {
        throw new AppError('poll_has_votes', 'the poll has votes: its options can no longer change (its question can)', [{ path: 'poll.options', message: 'fixed once a vote is cast' }]);
      }
      return entry;
    });
    return [...unpinned, updated];
  }
}

/** `GET …/entries/:entryId/history`: every saved version, newest first, with who saved it (editors). */
export async function entryHistory(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, tickerId: string, id: string) {
  requireRole(actor, 'editor');
  const items = await listVersions(ctx.db, tickerId, id, 200);
  if (items.length === 0) {
    // Saved before versions were kept: what there is, is the entry as it stands.
    const entry = await findEntry(ctx.db, tickerId, id);
    if (!entry) throw new AppError('not_found', `no entry ${id} in ticker ${tickerId}`);
    return { items: [{ version: entry.version, savedAt: entry.updatedAt, by: null, entry }] };
  }
  return { items };
}

/**
 * `POST …/entries/:entryId/restore {from, version}`: the content of version `from` (kind, title,
 * body, picture, teaser) saved again as a new version, over `version` (stale → 409 as any edit).
 */
export async function restoreEntry(ctx: Ctx, actor: Actor | undefined, tickerId: string, id: string, body: unknown): Promise<Entry> {
  requireRole(actor, 'editor');
  const q = parseInput(RestoreEntryBody, body, 'restore');
  const e = await findVersion(ctx.db, tickerId, id, q.from);
  if (!e) throw new AppError('not_found', `no version ${q.from} of entry ${id}`);
  const poll = e.poll && { question: e.poll.question, options: e.poll.options, closesAt: e.poll.closesAt, results: e.poll.resultsMode, allowAnonymous: e.poll.allowAnonymous };
  return patchEntry(ctx, actor, tickerId, id, { version: q.version, kind: e.kind, title: e.title, body: e.body, image: e.image, teaser: e.teaser, embed: e.embed ? { url: e.embed.url, caption: e.embed.caption, credit: e.embed.credit } : null, ...(poll && { poll }) });
}

/**
 * An edit of a draft or a scheduled entry: no revision, nothing published — unless it publishes
 * it now (`status: published`), when it goes out as `entry.created` with the edit in it.
 */
async function patchUnpublished(w: Write, current: Entry, input: ReturnType<typeof PatchEntryBody.parse>): Promise<EntryChange[]> {
  const trx = w.trx;
  // Status and time as asked; an edit that names neither keeps them (a plan whose time has just
  // passed stays scheduled: the scheduler publishes it).
  const wanted = input.status ?? (input.publishAt === undefined ? current.status : input.publishAt === null ? 'draft' : undefined);
  const plan =
    input.status === undefined && input.publishAt === undefined
      ? { status: current.status, publishAt: current.publishAt }
      : plannedStatus(wanted, input.publishAt === undefined ? current.publishAt : input.publishAt, new Date());
  if (plan.status === 'scheduled') checkCredit(await findTicker(trx, current.tickerId), input.image !== undefined ? input.image : current.image);
  const now = new Date().toISOString();
  const entry = await updateEntryAt(trx, current.tickerId, current.id, input.version, {
    ...contentChanges(input, current),
    ...(input.pinned !== undefined && { pinned: input.pinned ? 1 : 0, pinned_at: input.pinned ? now : null }),
    // Published below, in the same transaction, when that is what was asked.
    status: plan.status === 'published' ? current.status : plan.status,
    publish_at: plan.status === 'published' ? current.publishAt : plan.publishAt,
    // Publishing counts the version itself.
    version: current.version + (plan.status === 'published' ? 0 : 1),
    updated_at: now,
  });
  if (!entry) throw new AppError('conflict', 'the entry was changed meanwhile; reload it and edit again');
  if (plan.status === 'published') {
    const out = await publishIn(w, current.tickerId, current.id, [entry.status]);
    if (out) return out;
  }
  // Not recorded: readers never see an unpublished entry (its rev is its place below the flow).
  return [{ rev: entry.rev, type: 'entry.updated', data: entry }];
}

/** Deletes leave a tombstone: the row keeps id, seq and deletedAt; its content is erased. */
export async function deleteEntry(ctx: Ctx, actor: Actor | undefined, tickerId: string, id: string): Promise<Entry> {
  requireRole(actor, 'editor');
  return commit(ctx, async (w) => {
    const trx = w.trx;
    const current = await findEntry(trx, tickerId, id);
    if (!current || current.deletedAt) throw new AppError('not_found', `no entry ${id} in ticker ${tickerId}`);
    // Its saved versions go with its content (a takedown leaves nothing behind in the history).
    await deleteVersions(trx, tickerId, id);
    if (current.poll) await deleteVotes(trx, id);
    if (current.status !== 'published') {
      // Readers never saw it: it goes without a tombstone or a revision.
      await removeEntry(trx, tickerId, id);
      return { ...current, deletedAt: new Date().toISOString() };
    }
    const now = new Date().toISOString();
    const deleted = await w.change(tickerStream(tickerId), 'entry.deleted', (rev) =>
      updateEntry(trx, tickerId, id, {
        rev,
        title: null,
        body: '',
        search_text: '',
        image: null,
        teaser: null,
        embed: null,
        pinned: 0,
        pinned_at: null,
        deleted_at: now,
        updated_at: now,
        version: current.version + 1,
        ...(current.poll && { poll: null, poll_closes_at: null, poll_closed_at: null, poll_results: null, poll_results_at: null }),
        // An answer's question goes with its content (the question's row stays answered).
        ...(current.question && { question: null }),
      }),
    );
    return deleted.data;
  });
}
