import Koa from 'koa';
import Router from '@koa/router';
import { observe } from './observe.js';
import { openapiRoutes } from './openapi/index.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { bookingRoutes } from './routes/booking.js';
import { catalogueRoutes } from './routes/catalogue.js';
import { opsRoutes } from './routes/ops.js';
import { paymentRoutes } from './routes/payments.js';
import type { AppDeps } from './deps.js';

/** The Koa app, not listening: `main.ts` listens, tests use `app.callback()` or port 0. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(observe(deps.log, deps.metrics));
  // One router holding every route: a request is matched once, not once per route module.
  const root = new Router();
  for (const router of [opsRoutes(deps), authRoutes(deps), catalogueRoutes(deps), bookingRoutes(deps), paymentRoutes(deps), adminRoutes(deps), openapiRoutes()]) {
    root.use(router.routes());
  }
  app.use(root.routes());
  app.use(root.allowedMethods());
  return app;
}

export type { AppDeps };
