import type { Pending } from '../api.js';

/** What the page knows about the deployment, from the page's own attributes (no inline script). */
export const site = {
  checkoutUrl: document.body.dataset.checkout ?? '',
  maxAttempts: Number(document.body.dataset.maxAttempts ?? '3'),
};

/**
 * Sends the customer to the checkout (Toss's payment window stands here; the mock serves one),
 * which comes back to our success or fail URL with paymentKey, orderId and amount.
 */
export function startCheckout(p: Pick<Pending, 'id' | 'orderId' | 'amount'>, orderName: string): void {
  const back = (kind: string) => `${location.origin}/checkout/${kind}?reservationId=${p.id}`;
  const q = new URLSearchParams({ orderId: p.orderId, amount: String(p.amount), orderName, successUrl: back('success'), failUrl: back('fail') });
  location.assign(`${site.checkoutUrl}/checkout?${q}`);
}
