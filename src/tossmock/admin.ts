import { Router } from '@koa/router';
import { TossError } from './error-codes.js';
import { openCheckout } from './ledger.js';
import { checkoutSchema, parseBody, switchesSchema } from './schemas.js';
import { mergeSwitches, resetTossMockState, type TossMockState } from './state.js';

// Mock-only controls, without auth: the mock binds to loopback and these
// exist for load runs and tests to steer it.

export function adminRouter(state: TossMockState): Router {
  const router = new Router({ prefix: '/__mock' });

  // 200 the switches now in force; 400 INVALID_REQUEST for unknown or bad fields.
  router.post('/switches', async (ctx) => {
    mergeSwitches(state, await parseBody(ctx, switchesSchema));
    ctx.body = state.switches;
  });

  router.get('/switches', (ctx) => {
    ctx.body = state.switches;
  });

  // 200 charges per orderId, totals and the switches.
  router.get('/stats', (ctx) => {
    ctx.body = {
      totalConfirms: state.ledger.totalCharges,
      payments: state.ledger.byKey.size,
      confirmsByOrderId: Object.fromEntries(state.ledger.charges),
      // When each order was approved, to the millisecond (Toss prints seconds): for the load test's approval-to-CONFIRMED time.
      approvedAtMsByOrderId: Object.fromEntries(state.ledger.approvedAtMs),
      switches: state.switches,
    };
  });

  // 200 {paymentKey, orderId, amount}: what Toss's payment widget hands the merchant's success URL
  // after the customer authorised the card; the confirm must come with exactly these.
  // 400 BELOW_MINIMUM_AMOUNT, 400 ALREADY_PROCESSED_PAYMENT for an order already paid.
  router.post('/checkout', async (ctx) => {
    const input = await parseBody(ctx, checkoutSchema);
    const opened = openCheckout(state.ledger, input, state.now());
    if (!opened.ok) throw new TossError(opened.code);
    ctx.body = { paymentKey: opened.session.paymentKey, orderId: input.orderId, amount: input.amount };
  });

  // 204; forgets every payment and idempotency key.
  router.post('/reset', (ctx) => {
    resetTossMockState(state);
    ctx.status = 204;
  });

  return router;
}
