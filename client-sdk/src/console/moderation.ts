import type { Change, Message, ModerationAction, User } from '@liveticker/schemas';
import { modStream } from '@liveticker/schemas/wire';
import type { LivetickerClient } from '../client';
import type { ChatView } from '../chat';
import type { StreamSync } from '../streams';
import { t, when } from './i18n';
import type { Key } from './i18n';
import { button, confirming, el, errorText, replaceIfChanged, say } from './ui';

interface Report {
  id: string;
  messageId: string;
  reason: string;
  note: string | null;
  message?: Message | null;
}

/** A mute's lengths in minutes, as offered. */
const DURATIONS: Array<[number, Key]> = [
  [10, 'mod.minutes10'],
  [60, 'mod.hour1'],
  [24 * 60, 'mod.hours24'],
  [7 * 24 * 60, 'mod.days7'],
  [30 * 24 * 60, 'mod.days30'],
];

/** The log's actions as sentences ("{actor} muted {whom}"); one the console does not know is named as it is. */
const ACTIONS: Record<string, Key> = {
  'message.approve': 'log.message.approve',
  'message.reject': 'log.message.reject',
  'message.delete': 'log.message.delete',
  'message.edit': 'log.message.edit',
  'report.dismiss': 'log.report.dismiss',
  'report.delete': 'log.report.delete',
  'user.mute': 'log.user.mute',
  'user.unmute': 'log.user.unmute',
  'user.ban': 'log.user.ban',
  'user.unban': 'log.user.unban',
};
const REASONS = ['spam', 'abuse', 'hate', 'misinformation', 'other'] as const;
const reasonLabel = (r: string) => ((REASONS as readonly string[]).includes(r) ? t(`mod.reason.${r as (typeof REASONS)[number]}`) : r);

/**
 * The chat desk: the queue (held messages and reports, live on `mod:<id>`), the room's messages
 * live with delete, edit, mute (for a chosen time) and ban (with a reason) on each, and the
 * moderation log.
 */
export class ModerationPanel {
  readonly element = el('div', { class: 'ltx-grid3 ltx-moderation' });
  private readonly held = new Map<string, Message>();
  private readonly reports = new Map<string, Report>();
  private readonly queue = el('ul', { class: 'ltx-queue queue' });
  private readonly msgs = el('ul', { class: 'ltx-msgs messages' });
  private readonly log = el('ul', { class: 'ltx-log log' });
  private readonly out = el('p', { role: 'status', 'aria-live': 'polite' });
  private readonly chat: ChatView;
  private readonly sync: StreamSync;
  private logTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly rows = new Map<string, { key: string; li: HTMLElement }>();

  constructor(
    private readonly client: LivetickerClient,
    private readonly tickerId: string,
    private readonly me: User,
  ) {
    const q = el('section', { 'aria-label': t('mod.queue') });
    q.append(el('h2', {}, t('mod.waiting')), this.out, this.queue);
    const m = el('section', { 'aria-label': t('mod.messages') });
    m.append(el('h2', {}, t('mod.chat')), this.msgs);
    const l = el('section', { 'aria-label': t('mod.logRegion') });
    l.append(el('h2', {}, t('mod.log')), this.log);
    this.element.append(q, m, l);

    this.chat = client.chat(tickerId, { pageSize: 50 });
    this.chat.on('change', () => this.renderMessages());
    this.chat.on('error', (err) => say(this.out, errorText(err), 'err'));
    this.sync = client.follow(
      modStream(tickerId),
      (changes) => this.apply(changes),
      (err) => say(this.out, err.code === 'forbidden' ? t('mod.moderatorsOnly') : err.message, 'meta'),
    );
    void this.sync.sync().then(async () => {
      // The stream brings what happens from now on; the queue brings what already waits.
      const got = await client.rest.get<{ held: Message[]; reports: Report[] }>(`/tickers/${tickerId}/moderation/queue`);
      for (const msg of got.held) this.held.set(msg.id, msg);
      for (const r of got.reports) if (!this.reports.has(r.id)) this.reports.set(r.id, r);
      this.renderQueue();
      await this.loadLog();
    }).catch((err) => say(this.out, errorText(err), 'err'));
  }

  private apply(changes: Change[]): void {
    for (const c of changes) {
      if (c.type === 'message.created') this.held.set(c.data.id, c.data as unknown as Message);
      else if (c.type === 'message.updated') this.held.delete(c.data.id);
      else if (c.type === 'report.created') {
        const r = c.data as unknown as Report;
        // A catch-up carries the report without its message: the room's view has it.
        this.reports.set(r.id, { ...r, message: r.message ?? this.chat.messages.find((m) => m.id === r.messageId) });
      }
      else if (c.type === 'report.resolved') this.reports.delete(c.data.id);
    }
    this.renderQueue();
    this.queueLog();
  }

  /** The log follows the desk's actions: read at most every half second, however busy the room. */
  private queueLog(): void {
    if (this.logTimer) return;
    this.logTimer = setTimeout(() => {
      this.logTimer = undefined;
      void this.loadLog();
    }, 500);
  }

  private async loadLog(): Promise<void> {
    try {
      const got = await this.client.rest.get<{ items: ModerationAction[] }>(`/tickers/${this.tickerId}/moderation/log`);
      const rows = got.items.map((a) => {
        const d = a.details ?? {};
        const whom = a.targetType === 'user' ? String(d.name ?? a.targetId) : '';
        const extra = [d.until ? t('mod.until', { when: when(String(d.until)) }) : '', d.reason ? t('ui.quoted', { text: String(d.reason) }) : ''].filter(Boolean).join(' ');
        const known = ACTIONS[a.action];
        const what = (known ? t(known, { actor: a.actor.displayName, whom }) : t('log.other', { actor: a.actor.displayName, action: a.action, whom })).trim();
        return el('li', { 'data-action': a.action }, `${when(a.createdAt)} · ${what}${extra ? ` ${extra}` : ''}`);
      });
      this.log.replaceChildren(...(rows.length ? rows : [el('li', { class: 'meta' }, t('mod.nothingDone'))]));
    } catch (err) {
      this.log.replaceChildren(el('li', { class: 'err' }, errorText(err)));
    }
  }

  private async act(run: () => Promise<unknown>, done?: string): Promise<void> {
    try {
      await run();
      if (done) say(this.out, done);
      this.queueLog();
    } catch (err) {
      say(this.out, errorText(err), 'err');
    }
  }

  private renderQueue(): void {
    const rows: HTMLElement[] = [];
    for (const m of this.held.values()) {
      const li = el('li', { 'data-id': m.id });
      li.append(el('div', { class: 'meta' }, t('mod.held', { reason: t(m.holdReason === 'watch_word' ? 'mod.held.watch_word' : 'mod.held.premoderation'), author: m.author.displayName })), el('div', { class: 'body' }, m.body));
      li.append(
        button(t('mod.approve'), { 'data-action': 'approve' }, () => this.act(() => this.client.rest.post(`/messages/${m.id}/approve`, {}))),
        button(t('mod.reject'), { 'data-action': 'reject', class: 'danger' }, () => this.act(() => this.client.rest.post(`/messages/${m.id}/reject`, {}))),
      );
      this.userTools(li, m);
      rows.push(li);
    }
    for (const r of this.reports.values()) {
      const li = el('li', { 'data-id': r.id });
      li.append(el('div', { class: 'meta' }, `${t('mod.report', { reason: reasonLabel(r.reason) })}${r.note ? ` – ${r.note}` : ''}${r.message ? ` · ${r.message.author.displayName}` : ''}`), el('div', { class: 'body' }, r.message?.body ?? r.messageId));
      li.append(
        button(t('mod.dismiss'), { 'data-action': 'dismiss' }, () => this.act(() => this.client.rest.post(`/reports/${r.id}/resolve`, { action: 'dismiss' }))),
        button(t('mod.deleteMessage'), { 'data-action': 'delete', class: 'danger' }, () => this.act(() => this.client.rest.post(`/reports/${r.id}/resolve`, { action: 'delete' }))),
      );
      if (r.message) this.userTools(li, r.message);
      rows.push(li);
    }
    this.queue.replaceChildren(...(rows.length ? rows : [el('li', { class: 'meta' }, t('mod.nothingWaiting'))]));
  }

  /** Newest first; a message's row is built once per version, so a form open in it survives other changes. */
  private renderMessages(): void {
    const visible = this.chat.messages.filter((m) => !m.deletedAt).slice(-100).reverse();
    const rows = visible.map((m) => {
      const key = `${m.updatedAt}|${m.body}|${m.pinned}`;
      let row = this.rows.get(m.id);
      if (!row || row.key !== key) this.rows.set(m.id, (row = { key, li: this.messageRow(m) }));
      return row.li;
    });
    for (const id of this.rows.keys()) if (!visible.some((m) => m.id === id)) this.rows.delete(id);
    replaceIfChanged(this.msgs, rows.length ? rows : [el('li', { class: 'meta' }, t('mod.noMessages'))]);
  }

  private messageRow(m: Message): HTMLElement {
    {
      const li = el('li', { 'data-id': m.id });
      li.append(el('div', { class: 'meta' }, `${when(m.createdAt)} · ${m.author.displayName}`), el('div', { class: 'body' }, m.body));
      const edit = button(t('ui.edit'), { 'data-action': 'edit-message' }, () => {
        const box = el('div', { class: 'ltx-inline' });
        const text = el('textarea', { name: 'message-body', rows: '2', maxlength: '1000', 'aria-label': t('mod.messageText') });
        text.value = m.body;
        box.append(
          text,
          button(t('ui.save'), { 'data-action': 'save-message', class: 'primary' }, () => this.act(() => this.client.rest.patch(`/messages/${m.id}`, { body: text.value }), t('mod.edited'))),
          button(t('ui.cancel'), {}, () => box.remove()),
        );
        li.append(box);
        text.focus();
      });
      li.append(edit, confirming(t('ui.delete'), t('mod.deleteAsk'), { 'data-action': 'delete-message' }, () => this.client.rest.delete(`/messages/${m.id}`).then(() => this.queueLog()), this.out));
      this.userTools(li, m);
      return li;
    }
  }

  /** Mute for a chosen time and ban with a reason, asked inline under the message. */
  private userTools(li: HTMLElement, m: Message): void {
    if (m.author.id === this.me.id) return;
    const who = m.author.displayName;
    li.append(
      button(t('mod.mute'), { 'data-action': 'mute' }, () => {
        li.querySelector('.ltx-inline')?.remove();
        const box = el('div', { class: 'ltx-inline', role: 'group', 'aria-label': t('mod.muteWho', { name: who }) });
        const minutes = el('select', { name: 'minutes', 'aria-label': t('mod.howLong') });
        for (const [v, l] of DURATIONS) minutes.append(el('option', { value: String(v) }, t(l)));
        minutes.value = '60';
        const reason = el('input', { name: 'reason', maxlength: '300', placeholder: t('mod.reasonForLog'), 'aria-label': t('mod.reasonLabel') });
        box.append(
          minutes,
          reason,
          button(t('mod.muteWho', { name: who }), { class: 'primary', 'data-action': 'confirm-mute' }, () =>
            this.act(async () => {
              await this.client.rest.post(`/users/${m.author.id}/mute`, { minutes: Number(minutes.value), ...(reason.value.trim() && { reason: reason.value.trim() }), tickerId: this.tickerId });
              box.remove();
            }, t('mod.muted', { name: who, duration: t(DURATIONS.find(([v]) => v === Number(minutes.value))?.[1] ?? 'mod.hour1') })),
          ),
          button(t('ui.cancel'), {}, () => box.remove()),
        );
        li.append(box);
        minutes.focus();
      }),
      button(t('mod.ban'), { 'data-action': 'ban', class: 'danger' }, () => {
        li.querySelector('.ltx-inline')?.remove();
        const box = el('div', { class: 'ltx-inline', role: 'group', 'aria-label': t('mod.banWho', { name: who }) });
        const reason = el('input', { name: 'reason', maxlength: '300', placeholder: t('mod.reasonLabel'), 'aria-label': t('mod.banReason') });
        box.append(
          reason,
          button(t('mod.banWho', { name: who }), { class: 'danger', 'data-action': 'confirm-ban' }, () =>
            this.act(async () => {
              await this.client.rest.post(`/users/${m.author.id}/ban`, { ...(reason.value.trim() && { reason: reason.value.trim() }), tickerId: this.tickerId });
              box.remove();
            }, t('mod.banned', { name: who })),
          ),
          button(t('ui.cancel'), {}, () => box.remove()),
        );
        li.append(box);
        reason.focus();
      }),
    );
  }

  destroy(): void {
    clearTimeout(this.logTimer);
    this.chat.close();
    this.client.unfollow(this.sync);
  }
}
