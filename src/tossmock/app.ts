import Koa from 'koa';
import { adminRouter } from './admin.js';
import { checkoutRouter } from './checkout.js';
import { errorHandler } from './error-handler.js';
import { paymentsRouter, transactionsRouter } from './routes.js';
import type { TossMockState } from './state.js';

/** The mock as a Koa app that is not listening; use app.callback() to mount it. */
export function createTossMockApp(state: TossMockState): Koa {
  const app = new Koa();
  const admin = adminRouter(state);
  const payments = paymentsRouter(state);
  app.use(errorHandler());
  app.use(admin.routes());
  app.use(admin.allowedMethods());
  const checkout = checkoutRouter(state);
  app.use(checkout.routes());
  app.use(payments.routes());
  app.use(payments.allowedMethods());
  const transactions = transactionsRouter(state);
  app.use(transactions.routes());
  app.use(transactions.allowedMethods());
  return app;
}
