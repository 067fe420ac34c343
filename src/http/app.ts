import Koa from 'koa';
import type Router from '@koa/router';
import { corsFor } from './cors.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answersAtOnce } from './at-once.js';
import { observe, stamper, type Stamp } from './observe.js';
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
  const stamp = stamper(securityHeaders({ hsts: deps.config.hsts }));
  app.use(observe(deps.log, deps.metrics, stamp, { accessLog: deps.config.accessLog }));
  // Only when origins are listed: without CORS_ORIGINS no request pays for the layer.
  const cors = corsFor(deps.config.corsOrigins);
  if (cors) app.use(cors);
  const root = routeTable(deps);
  app.use(root.routes());
  app.use(root.allowedMethods());
  answeringAtOnce(app, deps, stamp);
  return app;
}

/** Puts the routes' answers made before Koa (`at-once.ts`) in front of Koa's own request handler. */
function answeringAtOnce(app: Koa, deps: AppDeps, stamp: Stamp): void {
  const atOnce = answersAtOnce(OPERATIONS, deps, stamp);
  if (!atOnce) return;
  const koaCallback = app.callback.bind(app);
  const answered = Promise.resolve();
  // app.listen and every server made from app.callback() get it.
  app.callback = () => {
    const koa = koaCallback();
    return (req, res) => (atOnce(req as IncomingMessage, res as ServerResponse) ? answered : koa(req, res));
  };
}

export type { AppDeps };
