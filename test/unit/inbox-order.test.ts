import type { InboxItem, Message } from '@liveticker/schemas';
import { answersMe, appendPage, firstUnread, isOlder, isUnread, mergeItem, ownIds, placeItem, readUpTo, removeItem } from '../../client-sdk/src/inbox-order';

/** The Chats panel's decisions: where a chat goes, which copy wins, what the reader has not read. */
const item = (tickerId: string, activeAt: string, more: Partial<InboxItem> = {}): InboxItem => ({
  id: tickerId,
  tickerId,
  title: tickerId,
  status: 'live',
  lastMessage: null,
  unread: 0,
  repliesToMe: 0,
  lastReadRev: 0,
  rev: 0,
  activeAt,
  ...more,
});
const at = (minute: number) => `2026-12-07T10:${String(minute).padStart(2, '0')}:00.000Z`;
const ids = (items: InboxItem[]) => items.map((i) => i.tickerId);

let n = 0;
const msg = (seq: number, author: string, more: Partial<Message> = {}): Message => ({
  id: `m${++n}`,
  tickerId: 't',
  seq,
  rev: seq,
  author: { id: author, displayName: author },
  body: 'text',
  replyTo: null,
  status: 'visible',
  pinned: false,
  createdAt: at(0),
  updatedAt: at(0),
  deletedAt: null,
  ...more,
});

describe('the order of the Chats', () => {
  const list = [item('c', at(30)), item('b', at(20)), item('a', at(10))];

  it('a chat with new activity moves to the top, and the others keep their order', () => {
    const placed = placeItem(list, item('a', at(40), { unread: 1 }), true);
    expect(ids(placed.items)).toEqual(['a', 'c', 'b']);
    expect(placed).toMatchObject({ from: 2, to: 0 });
    expect(placed.items[0].unread).toBe(1);
  });

  it('a changed chat whose activity did not change stays where it is', () => {
    const placed = placeItem(list, item('b', at(20), { unread: 0, lastReadRev: 9 }), true);
    expect(ids(placed.items)).toEqual(['c', 'b', 'a']);
    expect(placed).toMatchObject({ from: 1, to: 1 });
    expect(placed.items[1].lastReadRev).toBe(9);
  });

  it('a chat new to the list goes where its activity belongs; equal times order by ticker id, as the server pages them', () => {
    expect(ids(placeItem(list, item('d', at(25)), true).items)).toEqual(['c', 'd', 'b', 'a']);
    expect(ids(placeItem(list, item('bb', at(20)), true).items)).toEqual(['c', 'bb', 'b', 'a']);
    expect(ids(placeItem(list, item('aa', at(10)), true).items)).toEqual(['c', 'b', 'aa', 'a']);
    expect(ids(placeItem(list, item('a0', at(20)), true).items)).toEqual(['c', 'b', 'a0', 'a']);
  });

  it('a chat older than every loaded one is left to the page that brings it while more pages remain', () => {
    const placed = placeItem(list, item('old', at(1)), false);
    expect(placed).toMatchObject({ from: -1, to: -1 });
    expect(ids(placed.items)).toEqual(['c', 'b', 'a']);
    // With every page loaded it is the last one.
    expect(ids(placeItem(list, item('old', at(1)), true).items)).toEqual(['c', 'b', 'a', 'old']);
    // A loaded chat that falls back stays in the list at its end.
    expect(ids(placeItem(list, item('c', at(1)), false).items)).toEqual(['b', 'a', 'c']);
  });

  it('the list is never changed in place', () => {
    const before = [...list];
    placeItem(list, item('a', at(40)), true);
    removeItem(list, 'b');
    expect(list).toEqual(before);
  });

  it("the next page goes after the list, without a chat the list already holds (one whose node's clock was behind)", () => {
    const page = [item('a', at(15)), item('z', at(5))];
    expect(ids(appendPage(list, page))).toEqual(['c', 'b', 'a', 'z']);
    expect(appendPage(list, page)[2]).toBe(list[2]);
  });

  it('a chat the reader left goes; one not in the list changes nothing', () => {
    expect(removeItem(list, 'b')).toEqual({ items: [list[0], list[2]], index: 1 });
    expect(removeItem(list, 'zz')).toEqual({ items: list, index: -1 });
  });
});

describe('which copy of a chat is the newer one', () => {
  it('an answer behind the held copy in the head or the read position is older', () => {
    const held = { rev: 10, lastReadRev: 8 };
    expect(isOlder({ rev: 9, lastReadRev: 9 }, held)).toBe(true);
    expect(isOlder({ rev: 10, lastReadRev: 7 }, held)).toBe(true);
    expect(isOlder({ rev: 10, lastReadRev: 8 }, held)).toBe(false);
    expect(isOlder({ rev: 11, lastReadRev: 8 }, held)).toBe(false);
    expect(isOlder({ rev: 1, lastReadRev: 0 }, undefined)).toBe(false);
  });

  it("a change from the stream that knows an older read position keeps the reader's, and nothing unread when it reaches the change's head", () => {
    const read = item('a', at(1), { rev: 10, lastReadRev: 10 });
    // Committed before the PUT that read up to 10: still 2 unread as of its read position 8.
    const behind = item('a', at(1), { rev: 10, lastReadRev: 8, unread: 2, repliesToMe: 1, title: 'renamed' });
    expect(mergeItem(behind, read)).toEqual({ ...behind, lastReadRev: 10, unread: 0, repliesToMe: 0 });
    // A newer message than the reader read: its counts stand (the server's next change corrects them).
    const newer = item('a', at(2), { rev: 12, lastReadRev: 8, unread: 3 });
    expect(mergeItem(newer, read)).toEqual({ ...newer, lastReadRev: 10 });
    // A change that knows as much or more is taken as it is.
    const caught = item('a', at(2), { rev: 12, lastReadRev: 10, unread: 1 });
    expect(mergeItem(caught, read)).toBe(caught);
    expect(mergeItem(behind, undefined)).toBe(behind);
  });

  it('read up to the head: nothing unread at once; read short of it or backwards: unchanged', () => {
    const open = item('a', at(1), { rev: 10, lastReadRev: 4, unread: 3, repliesToMe: 1 });
    expect(readUpTo(open, 10)).toEqual({ ...open, lastReadRev: 10, unread: 0, repliesToMe: 0 });
    expect(readUpTo(open, 12)).toMatchObject({ lastReadRev: 12, unread: 0 });
    expect(readUpTo(open, 9)).toBe(open);
    const read = item('a', at(1), { rev: 10, lastReadRev: 10 });
    expect(readUpTo(read, 10)).toBe(read);
  });
});

describe('what the reader has not read, and what answers them', () => {
  it('the first unread message is the oldest visible one by someone else after the read position', () => {
    const mine = msg(7, 'me');
    const older = msg(5, 'ben');
    const first = msg(6, 'ben');
    const gone = msg(3, 'ben', { deletedAt: at(1) });
    const later = msg(9, 'cem');
    // Newest first, as the chat shows them.
    const messages = [later, mine, first, older, gone];
    expect(firstUnread(messages, 5, 'me')).toBe(first);
    expect(firstUnread(messages, 2, 'me')).toBe(older);
    expect(firstUnread(messages, 7, 'me')).toBe(later);
    expect(firstUnread(messages, 9, 'me')).toBeUndefined();
    // In whatever order the messages come (oldest first too).
    expect(firstUnread([older, first, later], 4, 'me')).toBe(older);
    // A held message is not there for the reader, whatever its position.
    expect(firstUnread([later, msg(8, 'ben', { status: 'pending' })], 7, 'me')).toBe(later);
    // Own messages never count, deleted and held ones neither.
    expect(firstUnread([mine, msg(8, 'ben', { deletedAt: at(2) }), msg(0, 'ben', { status: 'pending' })], 1, 'me')).toBeUndefined();
  });

  it('a message is new when it came after the read position and is not the reader\'s own', () => {
    expect(isUnread(msg(6, 'ben'), 5, 'me')).toBe(true);
    expect(isUnread(msg(5, 'ben'), 5, 'me')).toBe(false);
    expect(isUnread(msg(6, 'me'), 5, 'me')).toBe(false);
    expect(isUnread(msg(6, 'ben', { deletedAt: at(1) }), 5, 'me')).toBe(false);
    // Not opened from the Chats (no read position): nothing is marked.
    expect(isUnread(msg(6, 'ben'), undefined, 'me')).toBe(false);
  });

  it('a reply to one of the reader\'s messages answers them; a reply to someone else, their own reply or a deleted one does not', () => {
    const mine = msg(1, 'me');
    const bens = msg(2, 'ben');
    const own = ownIds([mine, bens], 'me');
    expect([...own]).toEqual([mine.id]);
    expect(answersMe(msg(3, 'ben', { replyTo: mine.id }), own, 'me')).toBe(true);
    expect(answersMe(msg(3, 'cem', { replyTo: bens.id }), own, 'me')).toBe(false);
    expect(answersMe(msg(3, 'me', { replyTo: mine.id }), own, 'me')).toBe(false);
    expect(answersMe(msg(3, 'ben', { replyTo: mine.id, deletedAt: at(1) }), own, 'me')).toBe(false);
    expect(answersMe(msg(3, 'ben'), own, 'me')).toBe(false);
    // Nobody logged in: nothing is theirs.
    expect(ownIds([mine], undefined).size).toBe(0);
  });
});
