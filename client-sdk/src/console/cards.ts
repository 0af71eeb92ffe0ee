import { CARD_TYPES, SCORE_STATUSES } from '@liveticker/schemas/wire';
import type { Card, CardType, Ticker } from '@liveticker/schemas';
import type { LivetickerClient } from '../client';
import { LivetickerError } from '../rest';
import { feedBody, formBody, valuesOf } from './card-body';
import type { CardValues, ResultRowValues } from './card-body';
import { t } from './i18n';
import type { Key } from './i18n';
import { button, clearErrors, confirming, el, errorText, field, say, showErrors } from './ui';

/**
 * The desk's cards (issue 25): the ticker's cards live (from its stream), a form per card type
 * that saves with the version it shows (a newer one is a 409, with the current one a click
 * away), and the JSON a data feed sends for the same card, with its curl line, to copy.
 */
export function cardsPanel(client: LivetickerClient, ticker: Ticker, serverUrl: string): { element: HTMLElement; destroy: () => void } {
  const box = el('section', { class: 'ltx-cards', 'data-testid': 'cards', 'aria-labelledby': 'ltx-cards-h' });
  const heading = el('h2', { id: 'ltx-cards-h' }, t('cards.heading'));
  const list = el('ul', { class: 'ltx-card-list', 'aria-label': t('cards.heading') });
  const out = el('p', { role: 'status', 'aria-live': 'polite' });
  const newButton = button(t('cards.new'), { 'data-action': 'new-card' }, () => edit(undefined));
  const formBox = el('div');
  box.append(heading, out, list, newButton, formBox);

  const view = client.ticker(ticker.id, { pageSize: 1 });
  const base = `/tickers/${encodeURIComponent(ticker.id)}/cards`;
  const showList = () => {
    list.replaceChildren(
      ...(view.cards.length
        ? view.cards.map((c) => {
            const li = el('li', { 'data-card': c.id });
            li.append(
              el('span', {}, `${c.id} · ${t(`cards.type.${c.type}` as Key)} · v${c.version}${c.pinned ? ` · ${t('cards.pinned')}` : ''}`),
              button(t('cards.edit'), { 'data-action': 'edit-card' }, () => edit(c)),
              confirming(t('cards.delete'), t('cards.deleteAsk', { id: c.id }), { 'data-action': 'delete-card' }, async () => {
                try {
                  await client.rest.delete(`${base}/${encodeURIComponent(c.id)}`);
                  say(out, t('cards.deleted', { id: c.id }));
                } catch (err) {
                  say(out, errorText(err), 'err');
                }
              }, out),
            );
            return li;
          })
        : [el('li', { class: 'meta' }, t('cards.none'))]),
    );
  };
  view.on('change', (c) => {
    if (c.op === 'cards' || c.op === 'reset') showList();
  });
  view.ready.then(showList, (err: unknown) => say(out, t('cards.loadFailed', { error: errorText(err) }), 'err'));

  /** Opens the form for a card (undefined: a new one). */
  function edit(card: Card | undefined, type: CardType = card?.type ?? 'score'): void {
    const v = valuesOf(card, type);
    const form = el('form', { class: 'ltx-card-form', novalidate: '', 'aria-label': card ? t('cards.editing', { id: card.id }) : t('cards.new') });
    const formOut = el('p', { role: 'status', 'aria-live': 'polite' });
    const id = el('input', { name: 'cardId', value: card?.id ?? '', autocomplete: 'off', maxlength: '64', ...(card ? { readonly: '' } : {}) });
    const typeSelect = el('select', { name: 'type' });
    for (const x of CARD_TYPES) {
      const o = el('option', { value: x }, t(`cards.type.${x}` as Key));
      if (x === type) o.selected = true;
      typeSelect.append(o);
    }
    if (card) typeSelect.disabled = true;
    typeSelect.addEventListener('change', () => edit(undefined, typeSelect.value as CardType));
    const pinned = el('input', { type: 'checkbox', name: 'pinned', 'data-field': 'pinned' });
    pinned.checked = v.pinned;
    const entryId = el('input', { name: 'entryId', value: v.entryId, autocomplete: 'off' });
    const text = (path: string, value: string, attrs: Record<string, string> = {}) => {
      const input = el('input', { value, autocomplete: 'off', ...attrs });
      input.setAttribute('name', path);
      return input;
    };
    const select = (path: string, options: readonly string[], value: string, label: (x: string) => string) => {
      const s = el('select', { name: path });
      for (const x of options) {
        const o = el('option', { value: x }, label(x));
        if (x === value) o.selected = true;
        s.append(o);
      }
      return s;
    };
    const fields = el('fieldset');
    fields.append(el('legend', {}, t(`cards.type.${type}` as Key)));
    const read: Array<(v: CardValues) => void> = [];
    if (type === 'score') {
      for (const side of ['home', 'away'] as const) {
        const group = el('div', { class: 'ltx-inline' });
        const name = text(`data.${side}.name`, v[side].name, { maxlength: '80' });
        const short = text(`data.${side}.short`, v[side].short, { maxlength: '5' });
        const score = text(`data.${side}.score`, v[side].score, { inputmode: 'numeric' });
        group.append(field(t(side === 'home' ? 'cards.home' : 'cards.away'), name, `data.${side}.name`), field(t('cards.short'), short, `data.${side}.short`), field(t('cards.score'), score, `data.${side}.score`));
        fields.append(group);
        read.push((x) => (x[side] = { name: name.value, short: short.value, score: score.value }));
      }
      const period = text('data.period', v.period, { maxlength: '80' });
      const minute = text('data.minute', v.minute, { inputmode: 'numeric' });
      const status = select('data.status', SCORE_STATUSES, v.status, (x) => t(`cards.status.${x}` as Key));
      const group = el('div', { class: 'ltx-inline' });
      group.append(field(t('cards.period'), period, 'data.period', t('cards.periodHint')), field(t('cards.minute'), minute, 'data.minute'), field(t('cards.status'), status, 'data.status'));
      fields.append(group);
      read.push((x) => Object.assign(x, { period: period.value, minute: minute.value, status: status.value }));
    } else {
      const title = text('data.title', v.title, { maxlength: '80' });
      fields.append(field(t('cards.title'), title, 'data.title'));
      read.push((x) => (x.title = title.value));
      if (type === 'results') {
        const unit = select('data.unit', ['%', 'seats'], v.unit, (x) => (x === '%' ? '%' : t('cards.seats')));
        const counted = text('data.counted', v.counted, { inputmode: 'decimal' });
        const group = el('div', { class: 'ltx-inline' });
        group.append(field(t('cards.unit'), unit, 'data.unit'), field(t('cards.counted'), counted, 'data.counted', t('cards.countedHint')));
        fields.append(group);
        const rowsBox = el('div', { class: 'ltx-card-rows' });
        const rows: Array<() => ResultRowValues> = [];
        const addRow = (r: ResultRowValues) => {
          const i = rows.length;
          const row = el('div', { class: 'ltx-inline', 'data-row': String(i) });
          const label = text(`data.rows.${i}.label`, r.label, { maxlength: '80' });
          const value = text(`data.rows.${i}.value`, r.value, { inputmode: 'decimal' });
          const previous = text(`data.rows.${i}.previous`, r.previous, { inputmode: 'decimal' });
          const color = text(`data.rows.${i}.color`, r.color, { placeholder: '#1f4e9c', maxlength: '7' });
          row.append(field(t('cards.rowLabel'), label, `data.rows.${i}.label`), field(t('cards.rowValue'), value, `data.rows.${i}.value`), field(t('cards.rowPrevious'), previous, `data.rows.${i}.previous`), field(t('cards.rowColor'), color, `data.rows.${i}.color`));
          rowsBox.append(row);
          rows.push(() => ({ label: label.value, value: value.value, previous: previous.value, color: color.value }));
        };
        v.rows.forEach(addRow);
        fields.append(rowsBox, button(t('cards.addRow'), { 'data-action': 'add-row' }, () => addRow({ label: '', value: '', previous: '', color: '' })));
        read.push((x) => Object.assign(x, { unit: unit.value, counted: counted.value, rows: rows.map((r) => r()) }));
      } else {
        const columns = text('data.columns', v.columns);
        const tableRows = el('textarea', { rows: '6', name: 'data.rows' });
        tableRows.value = v.tableRows;
        fields.append(field(t('cards.columns'), columns, 'data.columns', t('cards.columnsHint')), field(t('cards.tableRows'), tableRows, 'data.rows', t('cards.tableRowsHint')));
        read.push((x) => Object.assign(x, { columns: columns.value, tableRows: tableRows.value }));
      }
    }
    const values = (): CardValues => {
      const x: CardValues = { ...valuesOf(undefined, type), pinned: pinned.checked, entryId: entryId.value };
      for (const r of read) r(x);
      return x;
    };
    // What a data feed sends for this card (no version: the last write wins), to copy.
    const json = el('textarea', { rows: '8', readonly: '', class: 'ltx-json', 'data-testid': 'card-json' });
    const curl = el('code', { class: 'ltx-curl' });
    const showJson = () => {
      json.value = feedBody(values(), card);
      curl.textContent = `curl -X PUT ${serverUrl}/api/v1${base}/${id.value || '<card-id>'} -H "Authorization: Bearer $FEED_TOKEN" -H 'content-type: application/json' -d @card.json`;
    };
    form.addEventListener('input', showJson);
    const copy = button(t('cards.copy'), { 'data-action': 'copy-json' }, async () => {
      try {
        await navigator.clipboard.writeText(json.value);
        say(formOut, t('cards.copied'));
      } catch {
        json.select();
      }
    });
    const feed = el('details', { class: 'ltx-feed-json' });
    feed.append(el('summary', {}, t('cards.json')), field(t('cards.json'), json, 'json', t('cards.jsonHint')), copy, el('p', { class: 'meta' }, t('cards.curlHint')), curl);
    const save = el('button', { type: 'submit', class: 'primary', 'data-action': 'save-card' }, t('cards.save'));
    const cancel = button(t('ui.cancel'), { 'data-action': 'cancel-card' }, () => formBox.replaceChildren());
    const place = el('div', { class: 'ltx-inline' });
    const pinnedLabel = el('label', { class: 'check' });
    pinnedLabel.append(pinned, ` ${t('cards.pinned')}`);
    place.append(field(t('cards.id'), id, 'cardId', t('cards.idHint')), field(t('cards.type'), typeSelect, 'type'), field(t('cards.entry'), entryId, 'entryId', t('cards.entryHint')), pinnedLabel);
    form.append(place, fields, save, cancel, formOut, feed);
    let version = card?.version;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const cardId = id.value.trim();
      if (!cardId) {
        id.focus();
        return;
      }
      try {
        const saved = await client.rest.put<Card>(`${base}/${encodeURIComponent(cardId)}`, formBody(values(), version, card));
        version = saved.version;
        card = saved;
        id.readOnly = true;
        typeSelect.disabled = true;
        say(formOut, t('cards.saved', { id: saved.id, version: saved.version }));
      } catch (err) {
        if (err instanceof LivetickerError && err.code === 'conflict') {
          // Someone (or a feed) saved it meanwhile: nothing is overwritten; the current one is a click away.
          formOut.className = 'err';
          formOut.replaceChildren(
            `${t('cards.conflict')} `,
            button(t('cards.reload'), { 'data-action': 'reload-card' }, async () => {
              const now = (await client.rest.get<{ items: Card[] }>(base)).items.find((c) => c.id === cardId);
              edit(now, now?.type ?? type);
            }),
          );
          return;
        }
        showErrors(form, formOut, err);
      }
    });
    showJson();
    formBox.replaceChildren(form);
    (card ? fields.querySelector<HTMLElement>('input,select') : id)?.focus();
  }

  return { element: box, destroy: () => view.close() };
}
