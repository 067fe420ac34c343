import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { TossError } from './error-codes.js';
import { basicAuth } from './auth.js';
import { testCardDecline } from './checkout.js';
import { conflictWhileInFlight, randomFailure, testCode, withLatency } from './faults.js';
import { idempotency } from './idempotency.js';
import { abort, cancel, confirm, findByKey, findByOrder, listTransactions } from './ledger.js';
import type { ConfirmInput } from './payment.js';
import { cancelSchema, confirmSchema, parseBody } from './schemas.js';
import { rulesOf, type TossMockState } from './state.js';

// The Toss v1 payment API. Order of checks on a confirm: Basic auth, Idempotency-Key, body,
// in-flight conflict, injected latency (wraps the rest; the commit point decides whether the
// ledger is written before or after it), test code, random failure, ledger.

/**
 * Refusals that leave the checkout session open: the caller's credentials or request were wrong,
 * or the failure was temporary (Toss: try again shortly), so the same paymentKey may be confirmed again.
 */
const LEAVES_SESSION_OPEN = new Set(['UNAUTHORIZED_KEY', 'INCORRECT_BASIC_AUTH_FORMAT', 'INVALID_API_KEY', 'FORBIDDEN_REQUEST', 'INVALID_REQUEST', 'PROVIDER_ERROR', 'CARD_PROCESSING_ERROR']);

const confirmInput = (ctx: Context) => ctx.state.confirm as ConfirmInput;

export function paymentsRouter(state: TossMockState): Router {
  const router = new Router({ prefix: '/v1/payments' });
  router.use(basicAuth(state.secretKey), idempotency(state.idempotency, state.now));

  // 200 Payment DONE; 400 ALREADY_PROCESSED_PAYMENT if the paymentKey or the order was paid;
  // 404 NOT_FOUND_PAYMENT_SESSION for a key the checkout did not issue (or whose session ended);
  // 400 BELOW_MINIMUM_AMOUNT; 400 INVALID_REQUEST when orderId or amount differ from the checkout.
  router.post(
    '/confirm',
    async (ctx, next) => {
      ctx.state.confirm = await parseBody(ctx, confirmSchema);
      state.events.emit('confirming', confirmInput(ctx));
      return next();
    },
    conflictWhileInFlight(state, (ctx) => confirmInput(ctx).orderId),
    withLatency(state, { dropApproved: true }),
    testCode((ctx, err) => {
      if (err.status < 500 && !LEAVES_SESSION_OPEN.has(err.code)) abort(state.ledger, confirmInput(ctx), err.toBody('ko'), state.now());
    }),
    testCardDecline(state),
    randomFailure(state),
    async (ctx) => {
      const outcome = confirm(state.ledger, confirmInput(ctx), rulesOf(state), state.now());
      if (!outcome.ok) throw new TossError(outcome.code, outcome.detail);
      state.events.emit('approved', outcome.payment);
      ctx.body = outcome.payment;
    },
  );

  // 200 Payment CANCELED or PARTIAL_CANCELED with the new entry in cancels[]; 400
  // ALREADY_CANCELED_PAYMENT, 403 NOT_CANCELABLE_AMOUNT / NOT_CANCELABLE_PAYMENT, 404 NOT_FOUND_PAYMENT.
  router.post('/:paymentKey/cancel', withLatency(state, { dropApproved: false }), testCode(), randomFailure(state), async (ctx) => {
    const input = await parseBody(ctx, cancelSchema);
    const outcome = cancel(state.ledger, ctx.params.paymentKey ?? '', input, state.now());
    if (!outcome.ok) throw new TossError(outcome.code);
    state.events.emit('canceled', outcome.payment);
    ctx.body = outcome.payment;
  });

  // 200 Payment (DONE, CANCELED, ABORTED, EXPIRED, …) or 404 NOT_FOUND_PAYMENT.
  router.get('/orders/:orderId', testCode(), async (ctx) => {
    const payment = findByOrder(state.ledger, ctx.params.orderId ?? '', rulesOf(state), state.now());
    if (!payment) throw new TossError('NOT_FOUND_PAYMENT');
    ctx.body = payment;
  });

  // 200 Payment or 404 NOT_FOUND_PAYMENT.
  router.get('/:paymentKey', testCode(), async (ctx) => {
    const payment = findByKey(state.ledger, ctx.params.paymentKey ?? '');
    if (!payment) throw new TossError('NOT_FOUND_PAYMENT');
    ctx.body = payment;
  });

  return router;
}

const transactionsQuery = z.object({
  startDate: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a date-time'),
  endDate: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a date-time'),
  startingAfter: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});

/**
 * GET /v1/transactions?startDate&endDate[&startingAfter&limit]: approvals and cancels by their
 * transactionAt, oldest first (https://docs.tosspayments.com/guides/apis/transactions). Dates
 * without an offset are Korea time; an endDate to the second includes that whole second
 * (23:59:59 reaches up to the next day's 00:00:00), as that page says.
 */
export function transactionsRouter(state: TossMockState): Router {
  const router = new Router({ prefix: '/v1/transactions' });
  router.use(basicAuth(state.secretKey));
  router.get('/', (ctx) => {
    const q = transactionsQuery.safeParse(ctx.query);
    if (!q.success) throw new TossError('INVALID_REQUEST', q.error.issues[0]?.path.join('.'));
    const at = (s: string) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}+09:00`);
    const end = at(q.data.endDate) + (/\.\d+/.test(q.data.endDate) ? 1 : 1000);
    ctx.body = listTransactions(state.ledger, { from: at(q.data.startDate), to: end, limit: q.data.limit, ...(q.data.startingAfter ? { startingAfter: q.data.startingAfter } : {}) });
  });
  return router;
}
