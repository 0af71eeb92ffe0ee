import { composeMode } from '../../client-sdk/src/widgets/chat-login';

/** What the box under the chat's heading offers, for each state of the room and the login. */
describe('the chat box', () => {
  const confirmed = { emailVerifiedAt: '2026-12-01T10:00:00.000Z' };
  const unconfirmed = { emailVerifiedAt: null };

  it('a closed room says so to everyone, logged in or not', () => {
    expect(composeMode({ closed: true })).toBe('closed');
    expect(composeMode({ closed: true, token: 'lts_x', me: confirmed })).toBe('closed');
  });

  it('a reader without a login is invited to log in or register', () => {
    expect(composeMode({ closed: false })).toBe('join');
    // An account known but no token (logged out): the invitation again.
    expect(composeMode({ closed: false, me: confirmed })).toBe('join');
  });

  it('a login whose address is not confirmed is asked to check the inbox, not given a box it cannot use', () => {
    expect(composeMode({ closed: false, token: 'lts_x', me: unconfirmed })).toBe('inbox');
  });

  it('a confirmed login writes; so does a login whose account is still being asked for (the server refuses what it must)', () => {
    expect(composeMode({ closed: false, token: 'lts_x', me: confirmed })).toBe('writer');
    expect(composeMode({ closed: false, token: 'lts_x' })).toBe('writer');
  });
});
