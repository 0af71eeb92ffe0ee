import type { Change, Entry, Message, Ticker } from '@liveticker/schemas';
import { createClient } from '../client';
import type { LivetickerClient } from '../client';
import type { TickerView } from '../ticker';
import { LivetickerError } from '../rest';
import { el } from './dom';

export interface ConsoleOptions {
  url: string;
}

const TOKEN_KEY = 'liveticker.token';

const CSS = `
.ltx{font:14px/1.45 system-ui,sans-serif;color:#1a1a1a;display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1.25rem}
.ltx h2{font-size:1rem;margin:.25rem 0 .5rem;border-bottom:2px solid #1a1a1a}
.ltx input,.ltx textarea,.ltx select{font:inherit;padding:.35rem;margin:.15rem 0;box-sizing:border-box;width:100%}
.ltx button{font:inherit;padding:.3rem .7rem;margin:.15rem .25rem .15rem 0;cursor:pointer;border:1px solid #888;background:#fff;border-radius:3px}
.ltx button.primary{background:#0a5bd3;color:#fff;border-color:#0a5bd3}
.ltx .row{display:flex;gap:.5rem}.ltx .row>*{flex:1}
.ltx input[type=checkbox]{width:auto;margin-right:.3rem}.ltx label{display:block;margin:.3rem 0}
.ltx ul{list-style:none;margin:0;padding:0}.ltx li{border-bottom:1px solid #eee;padding:.4rem 0}
.ltx .meta{font-size:.75rem;color:#666}.ltx .err{color:#b00020}.ltx .ok{color:#0a7a32}
.ltx .pinned{background:#fff8e1}
`;

function fail(out: HTMLElement, err: unknown): void {
  out.className = 'err';
  out.textContent = err instanceof LivetickerError ? `${err.code}: ${err.message}` : String(err);
}

/**
 * The newsroom's web console: log in (or paste an API token), pick or create a ticker, post,
 * edit, pin and delete entries, set the status, and work the chat's moderation queue live.
 */
export function mountConsole(root: HTMLElement, opts: ConsoleOptions): { unmount: () => void } {
  let token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  let client: LivetickerClient = createClient({ url: opts.url, token });
  let view: TickerView | undefined;
  let stopQueue: (() => void) | undefined;
  root.replaceChildren(el('style', {}, CSS));
  const app = el('div', { class: 'ltx' });
  root.append(app);

  function showLogin(): void {
    const email = el('input', { type: 'email', placeholder: 'E-mail', name: 'email' });
    const password = el('input', { type: 'password', placeholder: 'Password', name: 'password' });
    const apiToken = el('input', { type: 'password', placeholder: 'or an API token / ops key', name: 'token' });
    const go = el('button', { class: 'primary', type: 'button' }, 'Log in');
    const out = el('p');
    go.addEventListener('click', async () => {
      try {
        if (apiToken.value) token = apiToken.value;
        else token = (await client.rest.post<{ token: string }>('/auth/login', { email: email.value, password: password.value })).token;
        sessionStorage.setItem(TOKEN_KEY, token);
        client.close();
        client = createClient({ url: opts.url, token });
        await showDesk();
      } catch (err) {
        fail(out, err);
      }
    });
    const box = el('section');
    box.append(el('h2', {}, 'Newsroom console'), email, password, apiToken, go, out);
    app.replaceChildren(box);
  }

  async function showDesk(): Promise<void> {
    const tickers = await client.rest.get<{ items: Ticker[] }>('/tickers', { limit: 100 });
    const pick = el('select', { name: 'ticker' });
    for (const t of tickers.items) pick.append(el('option', { value: t.id }, `${t.title} [${t.status}]`));
    const newTitle = el('input', { placeholder: 'New ticker title', name: 'newTicker' });
    const create = el('button', { type: 'button' }, 'Create');
    const logout = el('button', { type: 'button' }, 'Log out');
    const left = el('section');
    const right = el('section');
    const top = el('div', { class: 'row' });
    top.append(pick, newTitle, create, logout);
    const work = el('div');
    left.append(el('h2', {}, 'Ticker'), top, work);
    app.replaceChildren(left, right);
    create.addEventListener('click', async () => {
      try {
        const t = await client.rest.post<Ticker>('/tickers', { title: newTitle.value, status: 'live' });
        pick.append(el('option', { value: t.id }, `${t.title} [${t.status}]`));
        pick.value = t.id;
        open(t.id);
      } catch (err) {
        fail(work, err);
      }
    });
    logout.addEventListener('click', () => {
      void client.rest.post('/auth/logout', {}).catch(() => undefined);
      sessionStorage.removeItem(TOKEN_KEY);
      token = undefined;
      view?.close();
      stopQueue?.();
      showLogin();
    });
    pick.addEventListener('change', () => open(pick.value));
    const open = (id: string) => {
      view?.close();
      stopQueue?.();
      openTicker(id, work, right);
    };
    if (pick.value) open(pick.value);
  }

  function openTicker(id: string, work: HTMLElement, right: HTMLElement): void {
    const status = el('div');
    for (const s of ['scheduled', 'live', 'ended'] as const) {
      const b = el('button', { type: 'button', 'data-status': s }, s);
      b.addEventListener('click', () => void client.rest.patch(`/tickers/${id}`, { status: s }).catch((err) => fail(out, err)));
      status.append(b);
    }
    const kind = el('select', { name: 'kind' });
    for (const k of ['text', 'key-event', 'quote', 'image', 'teaser']) kind.append(el('option', { value: k }, k));
    const title = el('input', { placeholder: 'Title (optional)', name: 'title' });
    const body = el('textarea', { rows: '4', placeholder: 'Text (HTML allowed: p, strong, em, a, ul, blockquote …)', name: 'body' });
    const image = el('input', { placeholder: 'Image URL', name: 'image' });
    const caption = el('input', { placeholder: 'Caption', name: 'caption' });
    const credit = el('input', { placeholder: 'Credit', name: 'credit' });
    const teaserUrl = el('input', { placeholder: 'Related article URL', name: 'teaserUrl' });
    const teaserTitle = el('input', { placeholder: 'Related article title', name: 'teaserTitle' });
    const pin = el('input', { type: 'checkbox', name: 'pin' });
    const post = el('button', { class: 'primary', type: 'button' }, 'Publish');
    const out = el('p');
    const list = el('ul', { class: 'entries' });
    const imageRow = el('div', { class: 'row' });
    imageRow.append(image, caption, credit);
    const teaserRow = el('div', { class: 'row' });
    teaserRow.append(teaserUrl, teaserTitle);
    const pinLabel = el('label', {}, ' pin');
    pinLabel.prepend(pin);
    work.replaceChildren(status, kind, title, body, imageRow, teaserRow, pinLabel, post, out, el('h2', {}, 'Entries'), list);

    post.addEventListener('click', async () => {
      try {
        await client.rest.post<Entry>(`/tickers/${id}/entries`, {
          kind: kind.value,
          title: title.value || null,
          body: body.value,
          pinned: pin.checked,
          image: image.value ? { url: image.value, caption: caption.value || undefined, credit: credit.value || undefined } : null,
          teaser: teaserUrl.value ? { url: teaserUrl.value, title: teaserTitle.value || teaserUrl.value } : null,
        });
        for (const input of [title, body, image, caption, credit, teaserUrl, teaserTitle]) input.value = '';
        pin.checked = false;
        out.className = 'ok';
        out.textContent = 'Published.';
      } catch (err) {
        fail(out, err);
      }
    });

    view = client.ticker(id, { pageSize: 50 });
    const act = (label: string, run: () => Promise<unknown>) => {
      const b = el('button', { type: 'button', 'data-action': label }, label);
      b.addEventListener('click', () => void run().catch((err) => fail(out, err)));
      return b;
    };
    const render = () => {
      if (!view) return;
      const items = [...view.pinned, ...view.entries].map((e) => {
        const li = el('li', { class: e.pinned ? 'pinned' : '', 'data-id': e.id });
        const text = el('div');
        text.innerHTML = e.body; // sanitized by the server on write
        li.append(el('div', { class: 'meta' }, `${new Date(e.publishedAt).toLocaleTimeString()} · ${e.kind} · v${e.version}${e.pinned ? ' · pinned' : ''}`));
        if (e.title) li.append(el('strong', {}, e.title));
        li.append(
          text,
          act('edit', async () => {
            const next = prompt('New text (HTML)', e.body);
            if (next !== null) await client.rest.patch(`/tickers/${id}/entries/${e.id}`, { version: e.version, body: next });
          }),
          act(e.pinned ? 'unpin' : 'pin', () => client.rest.patch(`/tickers/${id}/entries/${e.id}`, { version: e.version, pinned: !e.pinned })),
          act('delete', async () => {
            if (confirm('Delete this entry?')) await client.rest.delete(`/tickers/${id}/entries/${e.id}`);
          }),
        );
        return li;
      });
      list.replaceChildren(...items);
    };
    view.on('change', render);
    view.on('error', (err) => fail(out, err));
    openQueue(id, right);
  }

  /** The chat's moderation queue, live on `mod:<id>`; hidden for users who are not moderators. */
  function openQueue(id: string, right: HTMLElement): void {
    const held = new Map<string, Message>();
    const reports = new Map<string, { id: string; messageId: string; reason: string; note: string | null; message?: Message }>();
    const list = el('ul', { class: 'queue' });
    const out = el('p');
    right.replaceChildren(el('h2', {}, 'Chat moderation'), out, list);
    const render = () => {
      const rows: HTMLElement[] = [];
      for (const m of held.values()) {
        const li = el('li', { 'data-id': m.id });
        li.append(el('div', { class: 'meta' }, `held (${m.holdReason ?? '?'}) · ${m.author.displayName}`), el('div', {}, m.body));
        for (const [label, path] of [['approve', 'approve'], ['reject', 'reject']] as const) {
          const b = el('button', { type: 'button', 'data-action': label }, label);
          b.addEventListener('click', () => void client.rest.post(`/messages/${m.id}/${path}`, {}).catch((err) => fail(out, err)));
          li.append(b);
        }
        rows.push(li);
      }
      for (const r of reports.values()) {
        const li = el('li', { 'data-id': r.id });
        li.append(el('div', { class: 'meta' }, `report: ${r.reason}${r.note ? ` – ${r.note}` : ''}`), el('div', {}, r.message?.body ?? r.messageId));
        for (const action of ['dismiss', 'delete'] as const) {
          const b = el('button', { type: 'button', 'data-action': action }, action);
          b.addEventListener('click', () => void client.rest.post(`/reports/${r.id}/resolve`, { action }).catch((err) => fail(out, err)));
          li.append(b);
        }
        rows.push(li);
      }
      list.replaceChildren(...(rows.length ? rows : [el('li', { class: 'meta' }, 'Nothing waiting.')]));
    };
    const apply = (changes: Change[]) => {
      for (const c of changes) {
        if (c.type === 'message.created') held.set(c.data.id, c.data as unknown as Message);
        else if (c.type === 'message.updated') held.delete(c.data.id);
        else if (c.type === 'report.created') reports.set(c.data.id, c.data as never);
        else if (c.type === 'report.resolved') reports.delete(c.data.id);
      }
      render();
    };
    const sync = client.follow(`mod:${id}`, apply, (err) => {
      out.className = 'meta';
      out.textContent = err.code === 'forbidden' ? 'Moderators see the chat queue here.' : err.message;
    });
    void sync.sync().then(async () => {
      if (out.textContent) return;
      // The stream brings what happens from now on; the queue brings what already waits.
      const queue = await client.rest.get<{ held: Message[]; reports: Array<{ id: string; messageId: string; reason: string; note: string | null }> }>(`/tickers/${id}/moderation/queue`);
      for (const m of queue.held) held.set(m.id, m);
      for (const r of queue.reports) if (!reports.has(r.id)) reports.set(r.id, r);
      render();
    });
    stopQueue = () => client.unfollow(sync);
  }

  if (token) void showDesk().catch(() => showLogin());
  else showLogin();
  return {
    unmount: () => {
      view?.close();
      stopQueue?.();
      client.close();
      root.replaceChildren();
    },
  };
}
