import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Reservation } from '../api.js';
import { html } from '../html.js';
import { describe, messageFor } from '../messages.js';
import { won } from '../time.js';
import { ErrorMessage } from './common.js';
import { site, startCheckout } from './pay.js';

/** Where the checkout comes back: confirm the payment (success) or say why it did not happen (fail). */
export function CheckoutReturn({ kind, onDone }: { kind: 'success' | 'fail'; onDone: () => void }) {
  const q = new URLSearchParams(location.search);
  const reservationId = Number(q.get('reservationId'));
  const [state, setState] = useState<'paying' | 'confirmed' | 'failed'>(kind === 'success' ? 'paying' : 'failed');
  const [error, setError] = useState<string | null>(kind === 'fail' ? messageFor(q.get('code') ?? '', q.get('message') ?? 'The payment did not go through.') : null);
  const [retry, setRetry] = useState<Reservation | null>(null);
  const [paid, setPaid] = useState<number | null>(null);

  const loadForRetry = () =>
    api<Reservation>('GET', `/reservations/${reservationId}`).then(
      (r) => setRetry(r.status === 'PENDING' ? r : null),
      () => undefined,
    );

  useEffect(() => {
    if (kind === 'fail') {
      void loadForRetry();
      return;
    }
    const body = { reservationId, paymentKey: q.get('paymentKey') ?? '', orderId: q.get('orderId') ?? '', amount: Number(q.get('amount')) };
    // The paymentKey makes the retry of a reload the same order, never a second charge.
    fetchOrder(body).then(
      (res) => {
        setPaid(res.payment?.amount ?? body.amount);
        setState('confirmed');
      },
      async (err) => {
        // A reload of this page after the payment went through: the reservation says so.
        const r = await api<Reservation>('GET', `/reservations/${reservationId}`).catch(() => null);
        if (r?.status === 'CONFIRMED') {
          setPaid(r.payment?.amount ?? r.amount);
          setState('confirmed');
          return;
        }
        setState('failed');
        setError(declineText(err));
        setRetry(r?.status === 'PENDING' ? r : null);
      },
    );
  }, []);

  return html`
    <section class="card" aria-labelledby="checkout-title">
      <h2 id="checkout-title">${state === 'paying' ? 'Confirming your payment…' : state === 'confirmed' ? 'Booked!' : 'Payment not completed'}</h2>
      ${state === 'confirmed' && html`<p>Reservation #${reservationId} is <span data-testid="reservation-status">CONFIRMED</span>${paid !== null ? `, ${won(paid)} paid` : ''}.</p>`}
      <${ErrorMessage} text=${error} />
      ${retry && html`<button type="button" data-testid="pay-button" onClick=${() => startCheckout(retry, retry.theme.name)}>Try paying again</button>`}
      <button type="button" class="secondary" onClick=${onDone}>My reservations</button>
    </section>
  `;
}

const fetchOrder = (body: unknown) => api<{ payment?: { amount: number } }>('POST', '/orders', body);

function declineText(err: unknown): string {
  if (!(err instanceof ApiError)) return describe(err);
  const { attempts, payOnSite } = err.details as { attempts?: number; payOnSite?: boolean };
  const base = err.message && err.code.startsWith('PAYMENT_') ? err.message : describe(err);
  if (payOnSite) return `${base} Too many declines: please pay on site.`;
  if (typeof attempts === 'number') {
    const left = Math.max(0, site.maxAttempts - attempts);
    return `${base} ${left} attempt${left === 1 ? '' : 's'} left before you have to pay on site.`;
  }
  return base;
}
