import { useEffect, useState } from 'preact/hooks';
import { api, type Slot, type Theme } from '../api.js';
import { html } from '../html.js';
import { describe } from '../messages.js';
import { addDays, hhmm, seoulToday } from '../time.js';
import { ErrorMessage, Notice } from './common.js';

type Row = Record<string, unknown>;

function Table({ rows }: { rows: Row[] }) {
  if (rows.length === 0) return html`<p>Nothing.</p>`;
  const keys = Object.keys(rows[0]!).filter((k) => typeof rows[0]![k] !== 'object' || rows[0]![k] === null);
  return html`<div class="scroll">
    <table>
      <thead>
        <tr>
          ${keys.map((k) => html`<th scope="col">${k}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr>
              ${keys.map((k) => html`<td>${String(r[k] ?? '')}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function Admin() {
  const [themes, setThemes] = useState<Theme[]>([]);
  const [themeId, setThemeId] = useState<number | null>(null);
  const [date, setDate] = useState(seoulToday());
  const [slots, setSlots] = useState<Slot[]>([]);
  const [reservations, setReservations] = useState<Row[] | null>(null);
  const [logins, setLogins] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const fail = (err: unknown) => {
    setNotice(null);
    setError(describe(err));
  };

  useEffect(() => {
    api<Theme[]>('GET', '/themes').then((t) => {
      setThemes(t);
      setThemeId(t[0]?.id ?? null);
    }, fail);
  }, []);
  // Bumped after a change made here (block, unblock, bulk create), to read the day again.
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    if (themeId === null) return undefined;
    // Only the answer for the theme and date shown now: one for an earlier choice that comes back later is dropped.
    let shown = true;
    api<Slot[]>('GET', `/themes/${themeId}/schedules?date=${date}`).then(
      (s) => shown && setSlots(s),
      (err) => shown && fail(err),
    );
    return () => {
      shown = false;
    };
  }, [themeId, date, reloads]);

  const act = async (slot: Slot, action: 'block' | 'unblock') => {
    setError(null);
    try {
      await api('POST', `/admin/schedules/${slot.id}/${action}`);
      setNotice(`${hhmm(slot.startTime)} ${action}ed.`);
      setReloads((n) => n + 1);
    } catch (err) {
      fail(err);
    }
  };

  const bulk = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setError(null);
    try {
      const startTimes = String(f.get('times') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const res = await api<unknown[] | { created?: unknown[] }>('POST', '/admin/schedules', { themeId, from: f.get('from'), to: f.get('to'), startTimes });
      const n = Array.isArray(res) ? res.length : (res.created?.length ?? 0);
      setNotice(`${n} schedules created.`);
      setReloads((n) => n + 1);
    } catch (err) {
      fail(err);
    }
  };

  const findReservations = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    if (f.get('date')) q.set('date', String(f.get('date')));
    if (f.get('status')) q.set('status', String(f.get('status')));
    try {
      setReservations(await api<Row[]>('GET', `/admin/reservations?${q}`));
    } catch (err) {
      fail(err);
    }
  };

  const findLogins = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const userId = String(f.get('userId') ?? '');
    try {
      setLogins(await api<Row[]>('GET', `/admin/login-history${userId ? `?userId=${userId}` : ''}`));
    } catch (err) {
      fail(err);
    }
  };

  return html`
    <section aria-labelledby="admin-slots">
      <h2 id="admin-slots">Schedules</h2>
      <label
        >Theme
        <select value=${themeId ?? ''} onChange=${(e: Event) => setThemeId(Number((e.currentTarget as HTMLSelectElement).value))}>
          ${themes.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
        </select></label
      >
      <label>Date <input type="date" value=${date} onInput=${(e: Event) => setDate((e.currentTarget as HTMLInputElement).value || date)} /></label>
      <${Notice} text=${notice} />
      <${ErrorMessage} text=${error} />
      <ul class="slots admin">
        ${slots.map(
          (s) =>
            html`<li class=${'slot ' + s.status.toLowerCase()}>
              <span>${hhmm(s.startTime)} ${s.status}</span>
              ${s.status === 'BLOCKED' ? html`<button type="button" onClick=${() => act(s, 'unblock')}>Unblock</button>` : html`<button type="button" class="secondary" onClick=${() => act(s, 'block')}>Block</button>`}
            </li>`,
        )}
      </ul>
      <form onSubmit=${bulk} class="inline">
        <h3>Create schedules</h3>
        <label>From <input type="date" name="from" value=${date} required /></label>
        <label>To <input type="date" name="to" value=${addDays(date, 6)} required /></label>
        <label>Start times <input name="times" value="10:00, 12:00, 14:00, 16:00, 18:00, 20:00" required /></label>
        <button type="submit">Create</button>
      </form>
    </section>
    <section aria-labelledby="admin-res">
      <h2 id="admin-res">Reservations</h2>
      <form onSubmit=${findReservations} class="inline">
        <label>Date <input type="date" name="date" /></label>
        <label
          >Status
          <select name="status">
            <option value="">any</option>
            ${['PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED', 'EXPIRED', 'CANCELED'].map((s) => html`<option>${s}</option>`)}
          </select></label
        >
        <button type="submit">Show</button>
      </form>
      ${reservations && html`<${Table} rows=${reservations} />`}
    </section>
    <section aria-labelledby="admin-logins">
      <h2 id="admin-logins">Login history</h2>
      <form onSubmit=${findLogins} class="inline">
        <label>User id <input name="userId" inputmode="numeric" pattern="[0-9]*" /></label>
        <button type="submit">Show</button>
      </form>
      ${logins && html`<${Table} rows=${logins} />`}
    </section>
  `;
}
