import { Router } from '@koa/router';
import { TossError } from './error-codes.js';
import { basicAuth } from './auth.js';
import { randomFailure, testCode, withLatency } from './faults.js';
import { idempotency } from './idempotency.js';
import { cancel, confirm, findByKey, findByOrder } from './ledger.js';
import { cancelSchema, confirmSchema, parseBody } from './schemas.js';
import type { TossMockState } from './state.js';

// The Toss v1 payment API. Order of checks: Basic auth, Idempotency-Key,
// injected latency (wraps everything after it), test code, random failure,
// body, ledger.

export function paymentsRouter(state: TossMockState): Router {
  const router = new Router({ prefix: '/v1/payments' });
  router.use(basicAuth(state.secretKey), idempotency(state.idempotency, state.now));

  // 200 Payment DONE; 400 ALREADY_PROCESSED_PAYMENT if the paymentKey or the order was paid.
  router.post(
    '/confirm',
    withLatency(state, { dropApproved: true }),
    testCode,
    randomFailure(state),
    async (ctx) => {
      const input = await parseBody(ctx, confirmSchema);
      const outcome = confirm(state.ledger, input, state.now());
      if (!outcome.ok) throw new TossError(outcome.code);
      state.events.emit('approved', outcome.payment);
      ctx.body = outcome.payment;
    },
  );

  // 200 Payment CANCELED or PARTIAL_CANCELED; 400 ALREADY_CANCELED_PAYMENT,
  // 403 NOT_CANCELABLE_AMOUNT, 404 NOT_FOUND_PAYMENT.
  router.post(
    '/:paymentKey/cancel',
    withLatency(state, { dropApproved: false }),
    testCode,
    randomFailure(state),
    async (ctx) => {
      const input = await parseBody(ctx, cancelSchema);
      const outcome = cancel(state.ledger, ctx.params.paymentKey ?? '', input, state.now());
      if (!outcome.ok) throw new TossError(outcome.code);
      state.events.emit('canceled', outcome.payment);
      ctx.body = outcome.payment;
    },
  );

  // 200 Payment or 404 NOT_FOUND_PAYMENT.
  router.get('/orders/:orderId', testCode, async (ctx) => {
    const payment = findByOrder(state.ledger, ctx.params.orderId ?? '');
    if (!payment) throw new TossError('NOT_FOUND_PAYMENT');
    ctx.body = payment;
  });

  // 200 Payment or 404 NOT_FOUND_PAYMENT.
  router.get('/:paymentKey', testCode, async (ctx) => {
    const payment = findByKey(state.ledger, ctx.params.paymentKey ?? '');
    if (!payment) throw new TossError('NOT_FOUND_PAYMENT');
    ctx.body = payment;
  });

  return router;
}
