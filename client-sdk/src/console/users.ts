import type { User } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { t, when } from './i18n';
import { button, clearErrors, confirming, el, errorText, field, say, showErrors } from './ui';

const ROLES = ['reader', 'editor', 'moderator', 'admin'] as const;
const roleOption = (r: (typeof ROLES)[number]) => el('option', { value: r }, t(`role.${r}`));

/**
 * Admins: every account, searched by address or name and filtered by role; roles changed, bans
 * lifted or set, mutes ended, and staff accounts created.
 */
export function usersPanel(client: LivetickerClient, me: User): HTMLElement {
  const box = el('section', { class: 'ltx-users-page', 'aria-label': t('users.title') });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  const list = el('ul', { class: 'ltx-users users' });
  const more = el('button', { type: 'button', 'data-action': 'more-users', hidden: '' }, t('users.more'));
  const q = el('input', { type: 'search', name: 'user-q', placeholder: t('users.searchPlaceholder'), 'aria-label': t('users.search'), maxlength: '100' });
  const role = el('select', { name: 'role-filter', 'aria-label': t('users.role') });
  role.append(el('option', { value: '' }, t('users.everyRole')));
  for (const r of ROLES) role.append(roleOption(r));
  const search = el('form', { role: 'search', class: 'row' });
  search.append(q, role, el('button', { type: 'submit', 'data-action': 'search-users' }, t('ui.search')));
  let cursor: string | null = null;

  const load = async (append: boolean) => {
    try {
      const got = await client.rest.get<{ items: User[]; nextCursor: string | null }>('/users', { limit: 50, ...(q.value.trim() && { q: q.value.trim() }), ...(role.value && { role: role.value }), ...(append && cursor ? { cursor } : {}) });
      cursor = got.nextCursor;
      const rows = got.items.map(row);
      if (append) list.append(...rows);
      else list.replaceChildren(...(rows.length ? rows : [el('li', { class: 'meta' }, t('users.nobody'))]));
      more.hidden = !cursor;
    } catch (err) {
      say(out, errorText(err), 'err');
    }
  };

  const row = (u: User): HTMLElement => {
    const li = el('li', { 'data-id': u.id });
    const state = [t(u.emailVerifiedAt ? 'users.verified' : 'users.notVerified'), u.bannedAt ? t('users.bannedAt', { when: when(u.bannedAt) }) : '', u.mutedUntil && Date.parse(u.mutedUntil) > Date.now() ? t('users.mutedUntil', { when: when(u.mutedUntil) }) : ''].filter(Boolean).join(' · ');
    li.append(el('strong', {}, u.displayName), el('div', { class: 'meta' }, t('users.line', { email: u.email, when: when(u.createdAt), state })));
    const pick = el('select', { name: 'role', 'aria-label': t('users.roleOf', { name: u.displayName }) });
    for (const r of ROLES) pick.append(roleOption(r));
    pick.value = u.role;
    pick.disabled = u.id === me.id; // an admin does not demote themself by a slip
    pick.addEventListener('change', async () => {
      try {
        const next = await client.rest.patch<User>(`/users/${u.id}`, { role: pick.value });
        li.replaceWith(row(next));
        say(out, t('users.roleChanged', { name: u.displayName, role: t(`role.${next.role}`) }));
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
      tools.append(u.bannedAt ? button(t('users.liftBan'), { 'data-action': 'unban' }, patch({ banned: false }, t('users.unbanned', { name: u.displayName }))) : confirming(t('users.ban'), t('users.banAsk', { name: u.displayName }), { 'data-action': 'ban-user' }, patch({ banned: true }, t('users.banned', { name: u.displayName })), out));
      if (u.mutedUntil && Date.parse(u.mutedUntil) > Date.now()) tools.append(button(t('users.endMute'), { 'data-action': 'unmute' }, patch({ mutedUntil: null }, t('users.unmuted', { name: u.displayName }))));
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
  for (const r of ROLES) newRole.append(roleOption(r));
  newRole.value = 'editor';
  const cout = el('p', { role: 'status', 'aria-live': 'polite' });
  const fields = el('div', { class: 'row' });
  fields.append(field(t('users.email'), email, 'email'), field(t('users.name'), name, 'displayName'), field(t('users.password'), password, 'password'), field(t('users.role'), newRole, 'role'));
  create.append(el('h3', {}, t('users.newAccount')), fields, el('button', { type: 'submit', 'data-action': 'create-user' }, t('users.create')), cout);
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(create);
    try {
      const u = await client.rest.post<User>('/users', { email: email.value, displayName: name.value, password: password.value, role: newRole.value });
      say(cout, t('users.created', { name: u.displayName, role: t(`role.${u.role}`) }));
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
  details.append(el('summary', {}, t('users.newAccount')), create);
  box.append(el('h2', {}, t('users.title')), search, out, list, more, details);
  void load(false);
  return box;
}
