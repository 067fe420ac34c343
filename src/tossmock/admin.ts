import { Router } from '@koa/router';
import { parseBody, switchesSchema } from './schemas.js';
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
      switches: state.switches,
    };
  });

  // 204; forgets every payment and idempotency key.
  router.post('/reset', (ctx) => {
    resetTossMockState(state);
    ctx.status = 204;
  });

  return router;
}
