import { useState } from 'preact/hooks';
import { api, type Refund, type Reservation } from '../api.js';
import { html } from '../html.js';
import { useTick, type HoldEvent } from '../live.js';
import { describe } from '../messages.js';
import { countdown, hhmm, won } from '../time.js';
import { ErrorMessage, Notice } from './common.js';
import { startCheckout } from './pay.js';

const CANCELABLE = new Set(['PENDING', 'CONFIRMED']);

export function Mine({ reservations, holds }: { reservations: Reservation[] | null; holds: Map<number, HoldEvent> }) {
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [refunds, setRefunds] = useState<Map<number, Refund>>(new Map());
  const now = useTick(holds.size > 0);

  const cancel = async (r: Reservation) => {
    setError(null);
    try {
      const res = await api<{ refund: Refund }>('POST', `/reservations/${r.id}/cancel`, { reason: 'canceled by customer' });
      setRefunds((m) => new Map(m).set(r.id, res.refund));
      setNotice(res.refund.amount > 0 ? `Canceled. ${won(res.refund.amount)} ${res.refund.status === 'DONE' ? 'refunded' : 'will be refunded shortly'}.` : 'Canceled. Nothing to refund.');
    } catch (err) {
      setNotice(null);
      setError(describe(err));
    }
  };

  return html`
    <section aria-labelledby="mine-title">
      <h2 id="mine-title">My reservations</h2>
      ${
        holds.size > 0 &&
        html`<ul class="holds">
          ${[...holds.values()].map((h) => html`<li>Holding time slot #${h.scheduleId}: ${h.holdExpiresAt ? countdown(h.holdExpiresAt, now) : ''} left</li>`)}
        </ul>`
      }
      <${Notice} text=${notice} />
      <${ErrorMessage} text=${error} />
      ${
        reservations === null
          ? html`<p>Loading…</p>`
          : html`
              <ul class="reservations" data-testid="my-reservations">
                ${reservations.length === 0 && html`<li>No reservations yet.</li>`}
                ${reservations.map((r) => {
                  const refund = refunds.get(r.id);
                  return html`
                    <li class="card" data-reservation-id=${r.id}>
                      <strong>${r.theme.name}</strong> ${r.schedule.date} ${hhmm(r.schedule.startTime)} · ${r.participants} players · ${won(r.amount)}
                      <div>
                        Status: <span class=${'status ' + r.status.toLowerCase()} data-testid="reservation-status">${r.status}</span>
                        ${r.payment && html` · paid ${won(r.payment.amount)}${r.payment.refundedAmount > 0 ? `, refunded ${won(r.payment.refundedAmount)}` : ''}`}
                        ${refund && html` · <span data-testid="refund">refund ${won(refund.amount)} (${refund.status})</span>`}
                      </div>
                      ${r.status === 'PENDING' && html`<button type="button" data-testid="pay-button" onClick=${() => startCheckout(r, r.theme.name)}>Pay ${won(r.amount)}</button>`}
                      ${CANCELABLE.has(r.status) && html`<button type="button" class="secondary" data-testid="cancel-button" onClick=${() => cancel(r)}>Cancel</button>`}
                    </li>
                  `;
                })}
              </ul>
            `
      }
    </section>
  `;
}
