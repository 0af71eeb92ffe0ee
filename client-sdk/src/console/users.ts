import type { User } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { button, clearErrors, confirming, el, errorText, field, say, showErrors, when } from './ui';

const ROLES = ['reader', 'editor', 'moderator', 'admin'] as const;

/**
 * Admins: every account, searched by address or name and filtered by role; roles changed, bans
 * lifted or set, mutes ended, and staff accounts created.
 */
export function usersPanel(client: LivetickerClient, me: User): HTMLElement {
  const box = el('section', { class: 'ltx-users-page', 'aria-label': 'Users' });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  const list = el('ul', { class: 'ltx-users users' });
  const more = el('button', { type: 'button', 'data-action': 'more-users', hidden: '' }, 'More users');
  const q = el('input', { type: 'search', name: 'user-q', placeholder: 'Address or name', 'aria-label': 'Search users', maxlength: '100' });
  const role = el('select', { name: 'role-filter', 'aria-label': 'Role' });
  role.append(el('option', { value: '' }, 'Every role'));
  for (const r of ROLES) role.append(el('option', { value: r }, r));
  const search = el('form', { role: 'search', class: 'row' });
  search.append(q, role, el('button', { type: 'submit', 'data-action': 'search-users' }, 'Search'));
  let cursor: string | null = null;

  const load = async (append: boolean) => {
    try {
      const got = await client.rest.get<{ items: User[]; nextCursor: string | null }>('/users', { limit: 50, ...(q.value.trim() && { q: q.value.trim() }), ...(role.value && { role: role.value }), ...(append && cursor ? { cursor } : {}) });
      cursor = got.nextCursor;
      const rows = got.items.map(row);
      if (append) list.append(...rows);
      else list.replaceChildren(...(rows.length ? rows : [el('li', { class: 'meta' }, 'Nobody found.')]));
      more.hidden = !cursor;
    } catch (err) {
      say(out, errorText(err), 'err');
    }
  };

  const row = (u: User): HTMLElement => {
    const li = el('li', { 'data-id': u.id });
    const state = [u.emailVerifiedAt ? 'verified' : 'not verified', u.bannedAt ? `banned ${when(u.bannedAt)}` : '', u.mutedUntil && Date.parse(u.mutedUntil) > Date.now() ? `muted until ${when(u.mutedUntil)}` : ''].filter(Boolean).join(' · ');
    li.append(el('strong', {}, u.displayName), el('div', { class: 'meta' }, `${u.email} · since ${when(u.createdAt)} · ${state}`));
    const pick = el('select', { name: 'role', 'aria-label': `Role of ${u.displayName}` });
    for (const r of ROLES) pick.append(el('option', { value: r }, r));
    pick.value = u.role;
    pick.disabled = u.id === me.id; // an admin does not demote themself by a slip
    pick.addEventListener('change', async () => {
      try {
        const next = await client.rest.patch<User>(`/users/${u.id}`, { role: pick.value });
        li.replaceWith(row(next));
        say(out, `${u.displayName} is now ${next.role}.`);
      } catch (err) {
        pick.value = u.role;
        say(out, errorText(err), 'err');
      }
    });
    const tools = el('div', { class: 'row' });
    tools.style.alignItems = 'center';
    tools.append(pick);
    const patch = (body: object, done: string) => async () => {
      try {
        li.replaceWith(row(await client.rest.patch<User>(`/users/${u.id}`, body)));
        say(out, done);
      } catch (err) {
        say(out, errorText(err), 'err');
      }
    };
    if (u.id !== me.id) {
      tools.append(u.bannedAt ? button('Lift ban', { 'data-action': 'unban' }, patch({ banned: false }, `${u.displayName} may log in again.`)) : confirming('Ban', `Ban ${u.displayName}? Their sessions end at once.`, { 'data-action': 'ban-user' }, patch({ banned: true }, `${u.displayName} is banned.`), out));
      if (u.mutedUntil && Date.parse(u.mutedUntil) > Date.now()) tools.append(button('End mute', { 'data-action': 'unmute' }, patch({ mutedUntil: null }, `${u.displayName} may write again.`)));
    }
    li.append(tools);
    return li;
  };

  // A staff account (an editor joining the desk tonight) made here; a reader signs up in the widget.
  const create = el('form', { class: 'ltx-create-user', novalidate: '' });
  const email = el('input', { type: 'email', autocomplete: 'off' });
  const name = el('input', { maxlength: '60' });
  const password = el('input', { type: 'password', autocomplete: 'new-password' });
  const newRole = el('select');
  for (const r of ROLES) newRole.append(el('option', { value: r }, r));
  newRole.value = 'editor';
  const cout = el('p', { role: 'status', 'aria-live': 'polite' });
  const fields = el('div', { class: 'row' });
  fields.append(field('E-mail', email, 'email'), field('Name', name, 'displayName'), field('Password', password, 'password'), field('Role', newRole, 'role'));
  create.append(el('h3', {}, 'New account'), fields, el('button', { type: 'submit', 'data-action': 'create-user' }, 'Create account'), cout);
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(create);
    try {
      const u = await client.rest.post<User>('/users', { email: email.value, displayName: name.value, password: password.value, role: newRole.value });
      say(cout, `${u.displayName} (${u.role}) can log in now.`);
      email.value = name.value = password.value = '';
      void load(false);
    } catch (err) {
      showErrors(create, cout, err);
    }
  });

  search.addEventListener('submit', (e) => {
    e.preventDefault();
    void load(false);
  });
  role.addEventListener('change', () => void load(false));
  more.addEventListener('click', () => void load(true));
  const details = el('details');
  details.append(el('summary', {}, 'New account'), create);
  box.append(el('h2', {}, 'Users'), search, out, list, more, details);
  void load(false);
  return box;
}
