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
import { waitlistRoutes } from './routes/waitlist.js';
import { securityHeaders } from './security-headers.js';
import type { AppDeps } from './deps.js';

/** Every route of the service, each declared with who may call it; the route-table test walks it. */
export function routeTable(deps: AppDeps): Router {
  // One router holding every route: a request is matched once, not once per route module.
  const root = new Router({ sensitive: true });
  for (const routes of [opsRoutes(deps), authRoutes(deps), catalogueRoutes(deps), bookingRoutes(deps), waitlistRoutes(deps), paymentRoutes(deps), adminRoutes(deps), openapiRoutes(deps.guard)]) {
    root.use(routes.router.routes());
  }
  return root;
}

/** The Koa app, not listening: `main.ts` listens, tests use `app.callback()` or port 0. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: deps.config.trustProxy });
  app.silent = true;
  app.use(observe(deps.log, deps.metrics, securityHeaders({ hsts: deps.config.hsts })));
  const root = routeTable(deps);
  app.use(root.routes());
  app.use(root.allowedMethods());
  return app;
}

export type { AppDeps };
