import type { Change, Message, ModerationAction, User } from '@liveticker/schemas';
import { modStream } from '@liveticker/schemas/wire';
import type { LivetickerClient } from '../client';
import type { ChatView } from '../chat';
import type { StreamSync } from '../streams';
import { button, confirming, el, errorText, replaceIfChanged, say, when } from './ui';

interface Report {
  id: string;
  messageId: string;
  reason: string;
  note: string | null;
  message?: Message | null;
}

const DURATIONS: Array<[number, string]> = [
  [10, '10 minutes'],
  [60, '1 hour'],
  [24 * 60, '24 hours'],
  [7 * 24 * 60, '7 days'],
  [30 * 24 * 60, '30 days'],
];

const ACTIONS: Record<string, string> = {
  'message.approve': 'approved a message',
  'message.reject': 'rejected a message',
  'message.delete': 'deleted a message',
  'message.edit': 'edited a message',
  'report.dismiss': 'dismissed a report',
  'report.delete': 'deleted a reported message',
  'user.mute': 'muted',
  'user.unmute': 'ended the mute of',
  'user.ban': 'banned',
  'user.unban': 'lifted the ban of',
};

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
    const q = el('section', { 'aria-label': 'Moderation queue' });
    q.append(el('h2', {}, 'Waiting'), this.out, this.queue);
    const m = el('section', { 'aria-label': 'Chat messages' });
    m.append(el('h2', {}, 'Chat'), this.msgs);
    const l = el('section', { 'aria-label': 'Moderation log' });
    l.append(el('h2', {}, 'Log'), this.log);
    this.element.append(q, m, l);

    this.chat = client.chat(tickerId, { pageSize: 50 });
    this.chat.on('change', () => this.renderMessages());
    this.chat.on('error', (err) => say(this.out, errorText(err), 'err'));
    this.sync = client.follow(
      modStream(tickerId),
      (changes) => this.apply(changes),
      (err) => say(this.out, err.code === 'forbidden' ? 'Moderators work the chat here.' : err.message, 'meta'),
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
        const whom = a.targetType === 'user' ? ` ${String(d.name ?? a.targetId)}` : '';
        const extra = [d.until ? `until ${when(String(d.until))}` : '', d.reason ? `“${String(d.reason)}”` : ''].filter(Boolean).join(' ');
        return el('li', { 'data-action': a.action }, `${when(a.createdAt)} · ${a.actor.displayName} ${ACTIONS[a.action] ?? a.action}${whom}${extra ? ` ${extra}` : ''}`);
      });
      this.log.replaceChildren(...(rows.length ? rows : [el('li', { class: 'meta' }, 'Nothing done yet.')]));
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
      li.append(el('div', { class: 'meta' }, `held (${m.holdReason === 'watch_word' ? 'watch word' : 'pre-moderation'}) · ${m.author.displayName}`), el('div', { class: 'body' }, m.body));
      li.append(
        button('Approve', { 'data-action': 'approve' }, () => this.act(() => this.client.rest.post(`/messages/${m.id}/approve`, {}))),
        button('Reject', { 'data-action': 'reject', class: 'danger' }, () => this.act(() => this.client.rest.post(`/messages/${m.id}/reject`, {}))),
      );
      this.userTools(li, m);
      rows.push(li);
    }
    for (const r of this.reports.values()) {
      const li = el('li', { 'data-id': r.id });
      li.append(el('div', { class: 'meta' }, `report: ${r.reason}${r.note ? ` – ${r.note}` : ''}${r.message ? ` · ${r.message.author.displayName}` : ''}`), el('div', { class: 'body' }, r.message?.body ?? r.messageId));
      li.append(
        button('Dismiss', { 'data-action': 'dismiss' }, () => this.act(() => this.client.rest.post(`/reports/${r.id}/resolve`, { action: 'dismiss' }))),
        button('Delete message', { 'data-action': 'delete', class: 'danger' }, () => this.act(() => this.client.rest.post(`/reports/${r.id}/resolve`, { action: 'delete' }))),
      );
      if (r.message) this.userTools(li, r.message);
      rows.push(li);
    }
    this.queue.replaceChildren(...(rows.length ? rows : [el('li', { class: 'meta' }, 'Nothing waiting.')]));
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
    replaceIfChanged(this.msgs, rows.length ? rows : [el('li', { class: 'meta' }, 'No messages yet.')]);
  }

  private messageRow(m: Message): HTMLElement {
    {
      const li = el('li', { 'data-id': m.id });
      li.append(el('div', { class: 'meta' }, `${when(m.createdAt)} · ${m.author.displayName}`), el('div', { class: 'body' }, m.body));
      const edit = button('Edit', { 'data-action': 'edit-message' }, () => {
        const box = el('div', { class: 'ltx-inline' });
        const text = el('textarea', { name: 'message-body', rows: '2', maxlength: '1000', 'aria-label': 'Message text' });
        text.value = m.body;
        box.append(
          text,
          button('Save', { 'data-action': 'save-message', class: 'primary' }, () => this.act(() => this.client.rest.patch(`/messages/${m.id}`, { body: text.value }), 'Message edited.')),
          button('Cancel', {}, () => box.remove()),
        );
        li.append(box);
        text.focus();
      });
      li.append(edit, confirming('Delete', 'Delete this message?', { 'data-action': 'delete-message' }, () => this.client.rest.delete(`/messages/${m.id}`).then(() => this.queueLog()), this.out));
      this.userTools(li, m);
      return li;
    }
  }

  /** Mute for a chosen time and ban with a reason, asked inline under the message. */
  private userTools(li: HTMLElement, m: Message): void {
    if (m.author.id === this.me.id) return;
    const who = m.author.displayName;
    li.append(
      button('Mute…', { 'data-action': 'mute' }, () => {
        li.querySelector('.ltx-inline')?.remove();
        const box = el('div', { class: 'ltx-inline', role: 'group', 'aria-label': `Mute ${who}` });
        const minutes = el('select', { name: 'minutes', 'aria-label': 'For how long' });
        for (const [v, l] of DURATIONS) minutes.append(el('option', { value: String(v) }, l));
        minutes.value = '60';
        const reason = el('input', { name: 'reason', maxlength: '300', placeholder: 'Reason (for the log)', 'aria-label': 'Reason' });
        box.append(
          minutes,
          reason,
          button(`Mute ${who}`, { class: 'primary', 'data-action': 'confirm-mute' }, () =>
            this.act(async () => {
              await this.client.rest.post(`/users/${m.author.id}/mute`, { minutes: Number(minutes.value), ...(reason.value.trim() && { reason: reason.value.trim() }), tickerId: this.tickerId });
              box.remove();
            }, `${who} is muted for ${DURATIONS.find(([v]) => v === Number(minutes.value))?.[1]}.`),
          ),
          button('Cancel', {}, () => box.remove()),
        );
        li.append(box);
        minutes.focus();
      }),
      button('Ban…', { 'data-action': 'ban', class: 'danger' }, () => {
        li.querySelector('.ltx-inline')?.remove();
        const box = el('div', { class: 'ltx-inline', role: 'group', 'aria-label': `Ban ${who}` });
        const reason = el('input', { name: 'reason', maxlength: '300', placeholder: 'Reason', 'aria-label': 'Reason for the ban' });
        box.append(
          reason,
          button(`Ban ${who}`, { class: 'danger', 'data-action': 'confirm-ban' }, () =>
            this.act(async () => {
              await this.client.rest.post(`/users/${m.author.id}/ban`, { ...(reason.value.trim() && { reason: reason.value.trim() }), tickerId: this.tickerId });
              box.remove();
            }, `${who} is banned.`),
          ),
          button('Cancel', {}, () => box.remove()),
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
