import Koa from 'koa';
import type Router from '@koa/router';
import { corsFor } from './cors.js';
import { observe } from './observe.js';
import { checkingResponses } from './response-check.js';
import { OPERATIONS } from './routes/index.js';
import { mount } from './routes/table.js';
import { securityHeaders } from './security-headers.js';
import type { AppDeps } from './deps.js';

/** Every route of the service, each declared once with who may call it; the route-table test walks it. */
export function routeTable(deps: AppDeps): Router {
  // One router holding every route: a request is matched once, not once per route module.
  return mount(OPERATIONS, deps);
}

/** The Koa app, not listening: `main.ts` listens, tests use `app.callback()` or port 0. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: deps.config.trustProxy });
  app.silent = true;
  if (deps.config.validateResponses) app.use(checkingResponses(app, OPERATIONS));
  app.use(observe(deps.log, deps.metrics, securityHeaders({ hsts: deps.config.hsts }), { accessLog: deps.config.accessLog }));
  // Only when origins are listed: without CORS_ORIGINS no request pays for the layer.
  const cors = corsFor(deps.config.corsOrigins);
  if (cors) app.use(cors);
  const root = routeTable(deps);
  app.use(root.routes());
  app.use(root.allowedMethods());
  return app;
}

export type { AppDeps };
