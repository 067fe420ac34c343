import { useEffect, useState } from 'preact/hooks';
import { api, type Hold, type Pending, type Store, type Theme, type User } from '../api.js';
import { html } from '../html.js';
import { useDaySlots, useTick, type HoldEvent, type LiveSlot } from '../live.js';
import { describe } from '../messages.js';
import { addDays, countdown, hhmm, seoulToday, won } from '../time.js';
import { ErrorMessage, Notice } from './common.js';
import { site, startCheckout } from './pay.js';

const STATUS_TEXT: Record<string, string> = { AVAILABLE: 'Available', HOLD: 'Held', RESERVED: 'Booked', BLOCKED: 'Closed' };

export function Book({ user, holds, onNeedLogin }: { user: User | null; holds: Map<number, HoldEvent>; onNeedLogin: () => void }) {
  const [stores, setStores] = useState<Store[]>([]);
  const [themes, setThemes] = useState<Theme[]>([]);
  const [themeId, setThemeId] = useState<number | null>(null);
  const [date, setDate] = useState(seoulToday());
  const [hold, setHold] = useState<Hold | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [participants, setParticipants] = useState(2);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { slots, connected } = useDaySlots(themeId, date);
  const now = useTick(hold !== null);
  const theme = themes.find((t) => t.id === themeId) ?? null;

  useEffect(() => {
    Promise.all([api<Store[]>('GET', '/stores'), api<Theme[]>('GET', '/themes')]).then(
      ([s, t]) => {
        setStores(s);
        setThemes(t);
      },
      (err) => setError(describe(err)),
    );
  }, []);

  const fail = (err: unknown) => {
    setNotice(null);
    setError(describe(err));
  };

  const take = async (slot: LiveSlot) => {
    setError(null);
    if (!user) {
      onNeedLogin();
      return;
    }
    try {
      // Holding one of your own holds again (after a reload) gives the same hold back.
      if (hold && hold.scheduleId !== slot.id) await api('DELETE', `/schedules/${hold.scheduleId}/hold`).catch(() => undefined);
      const h = await api<Hold>('POST', `/schedules/${slot.id}/hold`);
      setHold(h);
      setPending(null);
      if (theme) setParticipants(Math.min(Math.max(participants, theme.minPlayers), theme.maxPlayers));
      setNotice(`Held ${hhmm(slot.startTime)} for you.`);
    } catch (err) {
      fail(err);
    }
  };

  const clickSlot = (s: LiveSlot) => {
    if (hold?.scheduleId === s.id) return setNotice('You are holding this time: reserve it below.');
    if (s.status === 'AVAILABLE' || holds.has(s.id)) return void take(s);
    setNotice(null);
    setError(s.status === 'BLOCKED' ? 'This time is closed.' : 'Someone else is holding or has booked this time slot. Pick another.');
  };

  const release = async () => {
    if (!hold) return;
    try {
      await api('DELETE', `/schedules/${hold.scheduleId}/hold`);
      setHold(null);
      setNotice('Hold released.');
    } catch (err) {
      fail(err);
    }
  };

  const reserve = async () => {
    if (!hold) return;
    setError(null);
    try {
      const p = await api<Pending>('POST', '/reservations', { scheduleId: hold.scheduleId, participants });
      setPending(p);
      setHold(null);
      setNotice(`Reserved. Pay ${won(p.amount)} to confirm.`);
    } catch (err) {
      fail(err);
    }
  };

  const holdExpired = hold !== null && Date.parse(hold.holdExpiresAt) <= now;
  const byStore = stores.map((s) => ({ store: s, themes: themes.filter((t) => t.storeId === s.id) })).filter((g) => g.themes.length > 0);

  return html`
    <section aria-labelledby="themes-title">
      <h2 id="themes-title">Themes</h2>
      ${byStore.map(
        (g) => html`
          <div class="store">
            <h3>${g.store.name} <small>${g.store.address}</small></h3>
            <ul class="themes">
              ${g.themes.map(
                (t) => html`
                  <li>
                    <button
                      type="button"
                      class=${'theme' + (t.id === themeId ? ' selected' : '')}
                      aria-pressed=${t.id === themeId}
                      data-testid="theme-card"
                      data-theme-id=${t.id}
                      onClick=${() => {
                        setThemeId(t.id);
                        setError(null);
                      }}
                    >
                      <strong>${t.name}</strong>
                      <span>${won(t.price)} · ${t.minPlayers}–${t.maxPlayers} players · difficulty ${t.difficulty}/5 · ${t.durationMinutes} min</span>
                    </button>
                  </li>
                `,
              )}
            </ul>
          </div>
        `,
      )}
    </section>
    ${
      theme &&
      html`
        <section aria-labelledby="slots-title">
          <h2 id="slots-title">${theme.name}: times</h2>
          <label
            >Date (Seoul)
            <input
              type="date"
              value=${date}
              min=${seoulToday()}
              max=${addDays(seoulToday(), 90)}
              data-testid="date-input"
              onInput=${(e: Event) => {
                const v = (e.currentTarget as HTMLInputElement).value;
                if (v) setDate(v);
              }}
          /></label>
          <span class=${'live' + (connected ? ' on' : '')} aria-live="polite">${connected ? 'live' : 'connecting…'}</span>
          ${slots === null ? html`<p>Loading…</p>` : slots.length === 0 ? html`<p>No times left on this day.</p>` : null}
          <ul class="slots">
            ${(slots ?? []).map(
              (s) => html`
                <li>
                  <button
                    type="button"
                    class=${'slot ' + s.status.toLowerCase() + (hold?.scheduleId === s.id ? ' mine' : '')}
                    data-testid="slot"
                    data-schedule-id=${s.id}
                    data-status=${s.status}
                    aria-label=${`${hhmm(s.startTime)} ${STATUS_TEXT[s.status] ?? s.status}`}
                    onClick=${() => clickSlot(s)}
                  >
                    <span class="time">${hhmm(s.startTime)}</span> <span class="state">${hold?.scheduleId === s.id || holds.has(s.id) ? 'Yours' : (STATUS_TEXT[s.status] ?? s.status)}</span>
                  </button>
                </li>
              `,
            )}
          </ul>
        </section>
      `
    }
    <${Notice} text=${notice} />
    <${ErrorMessage} text=${error} />
    ${
      hold &&
      theme &&
      html`
        <section class="card" aria-labelledby="hold-title">
          <h2 id="hold-title">Your hold</h2>
          <p>
            ${holdExpired ? html`<strong data-testid="hold-countdown" data-expired="true">Your hold has expired. Pick the time again.</strong>` : html`Held for <strong data-testid="hold-countdown" aria-live="off">${countdown(hold.holdExpiresAt, now)}</strong> more.`}
          </p>
          <label
            >Players (${theme.minPlayers}–${theme.maxPlayers})
            <input
              type="number"
              min=${theme.minPlayers}
              max=${theme.maxPlayers}
              value=${participants}
              data-testid="participants-input"
              onInput=${(e: Event) => setParticipants(Number((e.currentTarget as HTMLInputElement).value))}
          /></label>
          <p>Price ${won(theme.price)} for the room</p>
          <button type="button" data-testid="reserve-button" disabled=${holdExpired} onClick=${reserve}>Reserve</button>
          <button type="button" class="secondary" onClick=${release}>Release</button>
        </section>
      `
    }
    ${
      pending &&
      html`
        <section class="card" aria-labelledby="pay-title">
          <h2 id="pay-title">Pay to confirm</h2>
          <p>
            Reservation #${pending.id}: <span data-testid="reservation-status">${pending.status}</span>, ${won(pending.amount)}, pay before
            ${new Date(pending.expiresAt).toLocaleTimeString('ko-KR', { timeZone: 'Asia/Seoul' })}.
          </p>
          <button type="button" data-testid="pay-button" disabled=${!site.checkoutUrl} onClick=${() => startCheckout(pending, theme?.name ?? 'Room escape')}>Pay ${won(pending.amount)}</button>
        </section>
      `
    }
  `;
}
