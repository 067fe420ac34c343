import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { TossError } from './error-codes.js';
import { abort, openCheckout } from './ledger.js';
import type { ConfirmInput } from './payment.js';
import type { TossMockState } from './state.js';

// The payment window Toss's widget opens, as a page of the mock: the customer types a card, the
// page opens a checkout session and sends the browser to the merchant's successUrl with
// paymentKey, orderId and amount (https://docs.tosspayments.com/guides/v2/payment-widget: the
// success URL's query), or to its failUrl with code and message when they give up. A test card
// decides what the confirm that follows will answer, as Toss's test cards do.

/** The mock's test cards: the confirm of a session paid with one is refused with its code. Any other 16 digits is approved. */
export const TEST_CARDS: Record<string, { code: string | null; label: string }> = {
  '4330123412341234': { code: null, label: 'approved' },
  '4000000000000002': { code: 'REJECT_CARD_COMPANY', label: 'declined by the card company' },
  '4000000000000069': { code: 'INVALID_CARD_EXPIRATION', label: 'expired card' },
  '4000000000000036': { code: 'INVALID_STOPPED_CARD', label: 'suspended card' },
  '4000000000000119': { code: 'EXCEED_MAX_DAILY_PAYMENT_COUNT', label: 'daily payment count exceeded' },
};

/** Declines chosen at the checkout, by paymentKey, until that session's confirm. */
const declines = new WeakMap<TossMockState, Map<string, string>>();
const declinesOf = (state: TossMockState) => declines.get(state) ?? declines.set(state, new Map()).get(state)!;

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Order {
  orderId: string;
  amount: number;
  orderName: string;
  successUrl: string;
  failUrl: string;
}

function orderOf(q: Record<string, string | undefined>): Order | null {
  const amount = Number(q.amount);
  const ok = (u: string | undefined) => {
    try {
      return Boolean(u) && ['http:', 'https:'].includes(new URL(u!).protocol);
    } catch {
      return false;
    }
  };
  if (!q.orderId || !/^[A-Za-z0-9_-]{6,64}$/.test(q.orderId) || !Number.isInteger(amount) || amount < 1 || !ok(q.successUrl) || !ok(q.failUrl)) return null;
  return { orderId: q.orderId, amount, orderName: (q.orderName ?? '').slice(0, 100), successUrl: q.successUrl!, failUrl: q.failUrl! };
}

function page(o: Order, error?: string): string {
  const hidden = (['orderId', 'amount', 'orderName', 'successUrl', 'failUrl'] as const).map((k) => `<input type="hidden" name="${k}" value="${esc(String(o[k]))}">`).join('');
  const cards = Object.entries(TEST_CARDS)
    .map(([n, c]) => `<li><code>${n.replace(/(\d{4})(?=\d)/g, '$1 ')}</code> ${esc(c.code ? `${c.label} (${c.code})` : c.label)}</li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Toss Payments (mock) checkout</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:1rem auto;padding:0 1rem;color:#191f28}h1{font-size:1.2rem;color:#3182f6}label{display:block;margin:.75rem 0}input{font:inherit;width:100%;padding:.6rem;border:1px solid #aaa;border-radius:.4rem;box-sizing:border-box}button{font:inherit;padding:.7rem 1rem;border-radius:.4rem;border:1px solid #3182f6;background:#3182f6;color:#fff;margin:.5rem .5rem 0 0;min-height:2.75rem}button.cancel{background:#fff;color:#3182f6}.err{color:#b3261e}:focus-visible{outline:3px solid #ffb000}small{color:#555}</style></head>
<body><h1>Toss Payments <small>(mock)</small></h1>
<p>${esc(o.orderName || 'Order')} — <strong>₩${o.amount.toLocaleString('ko-KR')}</strong></p>
${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/checkout">${hidden}
<label>Card number <input name="cardNumber" inputmode="numeric" autocomplete="cc-number" required value="4330 1234 1234 1234" data-testid="checkout-card"></label>
<label>Expiry (MM/YY) <input name="expiry" autocomplete="cc-exp" required value="12/30" data-testid="checkout-expiry"></label>
<button type="submit" name="action" value="pay" data-testid="checkout-approve">Pay ₩${o.amount.toLocaleString('ko-KR')}</button>
<button type="submit" name="action" value="cancel" class="cancel" formnovalidate data-testid="checkout-cancel">Cancel</button>
</form>
<h2 style="font-size:1rem">Test cards</h2><ul>${cards}</ul></body></html>`;
}

async function formBody(ctx: Context): Promise<Record<string, string>> {
  let text = '';
  for await (const chunk of ctx.req) {
    text += String(chunk);
    if (text.length > 8_192) throw new TossError('INVALID_REQUEST', 'the form is too large');
  }
  return Object.fromEntries(new URLSearchParams(text));
}

const withQuery = (url: string, q: Record<string, string>) => {
  const u = new URL(url);
  for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
  return u.toString();
};

export function checkoutRouter(state: TossMockState): Router {
  const router = new Router();
  const send = (ctx: Context, status: number, html: string) => {
    ctx.status = status;
    ctx.set('Content-Security-Policy', PAGE_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  };

  router.get('/checkout', (ctx) => {
    const order = orderOf(ctx.query as Record<string, string>);
    if (!order) throw new TossError('INVALID_REQUEST', 'orderId, amount, successUrl and failUrl are required');
    send(ctx, 200, page(order));
  });

  router.post('/checkout', async (ctx) => {
    const form = await formBody(ctx);
    const order = orderOf(form);
    if (!order) throw new TossError('INVALID_REQUEST', 'orderId, amount, successUrl and failUrl are required');
    const fail = (code: string, message: string) => ctx.redirect(withQuery(order.failUrl, { code, message, orderId: order.orderId }));
    if (form.action === 'cancel') return fail('PAY_PROCESS_CANCELED', '사용자에 의해 결제가 취소되었습니다.');
    const card = (form.cardNumber ?? '').replace(/[\s-]/g, '');
    if (!/^\d{16}$/.test(card)) return send(ctx, 400, page(order, 'Check the card number: 16 digits.'));
    if (!/^(0[1-9]|1[0-2])\/\d\d$/.test(form.expiry ?? '')) return send(ctx, 400, page(order, 'Check the expiry date: MM/YY.'));
    const opened = openCheckout(state.ledger, order, state.now());
    if (!opened.ok) return fail(opened.code, opened.code);
    const decline = TEST_CARDS[card]?.code;
    if (decline) declinesOf(state).set(opened.session.paymentKey, decline);
    ctx.status = 303;
    ctx.redirect(withQuery(order.successUrl, { paymentKey: opened.session.paymentKey, orderId: order.orderId, amount: String(order.amount) }));
  });

  return router;
}

/** In the confirm chain: a session paid with a declining test card is refused with its code (and ends ABORTED). */
export function testCardDecline(state: TossMockState): Middleware {
  return async (ctx, next) => {
    const input = ctx.state.confirm as ConfirmInput;
    const code = declinesOf(state).get(input.paymentKey);
    if (!code) return next();
    declinesOf(state).delete(input.paymentKey);
    const err = new TossError(code);
    abort(state.ledger, input, err.toBody('ko'), state.now());
    throw err;
  };
}
