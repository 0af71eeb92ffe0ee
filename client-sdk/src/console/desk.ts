import type { Question, Ticker, User } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { openDesk } from '../desk';
import type { DeskPresence } from '../desk';
import { Composer } from './composer';
import type { ComposerSnapshot } from './draft';
import { TickerPicker, deskTop, newTickerForm } from './desk-top';
import { EntryPanel } from './entries';
import type { DeskEditorLike } from './entries';
import { t } from './i18n';
import type { Key } from './i18n';
import { ModerationPanel } from './moderation';
import { QuestionQueue } from './questions';
import { takeUnsaved, uploadMedia } from './session';
import { pushPanel } from './push';
import { cardsPanel } from './cards';
import { reachPanel } from './reach';
import { settingsPanel } from './settings';
import { el, errorText, say } from './ui';
import { usersPanel } from './users';

type Tab = 'entries' | 'cards' | 'questions' | 'reach' | 'settings' | 'chat' | 'users';

export const can = (u: User, role: 'editor' | 'moderator' | 'admin') => u.role === 'admin' || u.role === role;

export interface DeskOptions {
  url: string;
  client: LivetickerClient;
  /** The login, for uploads (they go past the client, as a form). */
  token: string | undefined;
  me: User;
  /** The tickers the picker offers (the first hundred). */
  tickers: Ticker[];
  langSwitch: HTMLElement;
  logout: () => void;
  sessionLost: () => void;
  /** Work carried over a change of language: put back, quietly, into its ticker's composer. */
  carried?: ComposerSnapshot;
}

export interface Desk {
  /** The composer of the open ticker (entries tab), for its unsaved work. */
  composer(): Composer | undefined;
  close(): void;
}

/**
 * The desk of a staff account: the top bar, the tabs its role gets, and the open ticker's panel.
 * The address names the ticker and tab (`?ticker=demo&tab=entries`), so a link opens the same place.
 */
export async function mountDesk(app: HTMLElement, o: DeskOptions): Promise<Desk> {
  const { client, me: user } = o;
  const picker = new TickerPicker(o.tickers);
  let cleanup: Array<() => void> = [];
  let composer: Composer | undefined;
  let carried = o.carried;
  const closeTicker = () => {
    for (const c of cleanup) c();
    cleanup = [];
  };
  const made = can(user, 'editor')
    ? newTickerForm(client, (tk) => {
        picker.add(tk, 'first');
        picker.select.value = tk.id;
        void open(tk.id, 'settings');
      })
    : undefined;
  const top = deskTop({ me: user, picker, newTicker: made?.toggle, langSwitch: o.langSwitch, logout: o.logout });
  const presence = el('div', { class: 'ltx-presence', 'aria-live': 'polite', 'data-testid': 'presence' });
  const tabs = el('nav', { class: 'ltx-tabs', role: 'tablist', 'aria-label': t('desk.tabs') });
  const main = el('main');
  app.replaceChildren(...[top, made?.form, presence, tabs, main].filter((n): n is HTMLElement => n !== undefined));

  const available: Array<[Tab, Key]> = [
    ...(can(user, 'editor') ? ([['entries', 'tab.entries']] as Array<[Tab, Key]>) : []),
    ...(can(user, 'editor') ? ([['cards', 'tab.cards']] as Array<[Tab, Key]>) : []),
    ...(can(user, 'editor') ? ([['reach', 'tab.reach']] as Array<[Tab, Key]>) : []),
    ...(can(user, 'moderator') ? ([['chat', 'tab.chat']] as Array<[Tab, Key]>) : []),
    // After the chat: a moderator's desk opens on the chat, as before.
    ...(can(user, 'editor') || can(user, 'moderator') ? ([['questions', 'tab.questions']] as Array<[Tab, Key]>) : []),
    ...(can(user, 'editor') || can(user, 'moderator') ? ([['settings', 'tab.settings']] as Array<[Tab, Key]>) : []),
    ...(can(user, 'admin') ? ([['users', 'tab.users']] as Array<[Tab, Key]>) : []),
  ];
  const params = new URLSearchParams(location.search);
  let current: { id: string; tab: Tab } | undefined;
  /** Bumped by every open: an answer for a ticker no longer wanted is dropped, not shown. */
  let generation = 0;

  /** Opens a ticker (and a tab): the address follows, so reloading or sharing keeps the place. */
  const open = async (id: string, tab: Tab = current?.tab ?? available[0]![0]) => {
    closeTicker();
    const mine = ++generation;
    if (!available.some(([x]) => x === tab)) tab = available[0]![0];
    current = { id, tab };
    const url = new URL(location.href);
    url.searchParams.set('ticker', id);
    url.searchParams.set('tab', tab);
    history.replaceState(null, '', url);
    tabs.replaceChildren(
      ...available.map(([x, label]) => {
        const b = el('button', { type: 'button', role: 'tab', 'aria-selected': String(x === tab), 'data-tab': x }, t(label));
        b.addEventListener('click', () => void open(id, x));
        return b;
      }),
    );
    let ticker: Ticker;
    main.replaceChildren(el('p', { class: 'meta' }, t('desk.loading')));
    try {
      ticker = await client.rest.get<Ticker>(`/tickers/${id}`);
    } catch (err) {
      if (mine === generation) main.replaceChildren(el('p', { class: 'err' }, t('desk.tickerFailed', { id, error: errorText(err) })));
      return;
    }
    if (mine !== generation) return;
    document.title = t('desk.pageTitle', { title: ticker.title });
    // Presence: who else works this ticker, and on which entry.
    const desk: DeskPresence | undefined = can(user, 'editor') ? openDesk(client, id) : undefined;
    let panel: EntryPanel | undefined;
    const showPresence = (editors: DeskEditorLike[]) => {
      const others = editors.filter((x) => x.id !== user.id);
      presence.replaceChildren(...(others.length ? [el('span', {}, t('desk.alsoHere')), ...others.map((x) => el('span', { class: 'who', 'data-user': x.id }, x.displayName))] : []));
      panel?.setEditors(others);
      composer?.setEditors(others);
    };
    if (desk) {
      desk.on('change', showPresence);
      desk.on('error', (err) => say(presence, t('desk.presenceFailed', { error: errorText(err) }), 'meta'));
      cleanup.push(() => desk.close());
    }
    presence.replaceChildren();
    // The open questions, live on every tab: their count is on the Questions tab.
    let answerIn: ((q: Question) => void) | undefined;
    const queue =
      can(user, 'editor') || can(user, 'moderator')
        ? new QuestionQueue(client, id, {
            count: (n) => {
              const b = tabs.querySelector<HTMLElement>('[data-tab="questions"]');
              if (b) b.textContent = n > 0 ? t('tab.questionsCount', { n }) : t('tab.questions');
            },
            answer: can(user, 'editor') ? (q) => answerIn?.(q) : undefined,
          })
        : undefined;
    if (queue) cleanup.push(() => queue.destroy());
    if (tab === 'questions' && queue) {
      if (can(user, 'editor')) {
        const upload = (file: File) => uploadMedia(o.url, o.token, file);
        const writer = new Composer(client, ticker, user, { upload, desk, saved: () => undefined, sessionLost: o.sessionLost, answered: (qid) => queue.drop(qid) });
        answerIn = (q) => writer.answer(q);
        const grid = el('div', { class: 'ltx-grid' });
        grid.append(writer.element, queue.element);
        main.replaceChildren(grid);
        cleanup.push(() => writer.destroy());
      } else {
        main.replaceChildren(queue.element);
      }
    } else if (tab === 'entries') {
      const upload = (file: File) => uploadMedia(o.url, o.token, file);
      const writer = new Composer(client, ticker, user, { upload, desk, saved: () => panel?.refresh(), sessionLost: o.sessionLost });
      composer = writer;
      // Work carried over a change of language comes back as it was; work kept over a lost session says so.
      const back = carried?.tickerId === ticker.id ? carried : undefined;
      carried = undefined;
      try {
        if (back) writer.restore(back, { quiet: true });
        else {
          const kept = takeUnsaved(ticker.id);
          if (kept) writer.restore(kept);
        }
      } catch {
        // A kept entry that no longer fits the form is dropped, not a broken desk.
      }
      panel = new EntryPanel(client, ticker, (e) => writer.edit(e));
      const grid = el('div', { class: 'ltx-grid' });
      grid.append(writer.element, panel.element);
      // The followers and the manual push for a key moment, folded above the writing.
      main.replaceChildren(pushPanel(client, ticker), grid);
      if (desk) showPresence(desk.editors);
      cleanup.push(
        () => {
          writer.destroy();
          if (composer === writer) composer = undefined;
        },
        () => panel?.destroy(),
      );
    } else if (tab === 'cards') {
      const cards = cardsPanel(client, ticker, o.url);
      main.replaceChildren(cards.element);
      cleanup.push(() => cards.destroy());
    } else if (tab === 'reach') {
      const reach = reachPanel(client, ticker);
      main.replaceChildren(reach.element);
      cleanup.push(() => reach.destroy());
    } else if (tab === 'settings') {
      main.replaceChildren(settingsPanel(client, ticker, (saved) => picker.update(saved), { chatOnly: !can(user, 'editor') }));
    } else if (tab === 'chat') {
      const mod = new ModerationPanel(client, id, user);
      main.replaceChildren(mod.element);
      cleanup.push(() => mod.destroy());
    } else {
      main.replaceChildren(usersPanel(client, user));
    }
  };
  picker.select.addEventListener('change', () => void open(picker.select.value));
  const wanted = params.get('ticker');
  const wantedTab = params.get('tab') as Tab | null;
  if (wanted && !picker.has(wanted)) {
    // A link to a ticker beyond the first hundred (or a wrong one): try it directly.
    try {
      picker.add(await client.rest.get<Ticker>(`/tickers/${wanted}`), 'last');
    } catch {
      main.replaceChildren(el('p', { class: 'err' }, t('desk.noSuchTicker', { id: wanted })));
    }
  }
  if (wanted && picker.has(wanted)) picker.select.value = wanted;
  if (picker.select.value) await open(picker.select.value, wantedTab && available.some(([x]) => x === wantedTab) ? wantedTab : undefined);
  else if (can(user, 'admin')) main.replaceChildren(el('p', { class: 'meta' }, t('desk.noTickers')), usersPanel(client, user));
  else main.replaceChildren(el('p', { class: 'meta' }, t('desk.noTickers')));
  return { composer: () => composer, close: closeTicker };
}
