import Router from '@koa/router';
import type { AppDeps } from '../deps.js';

export function opsRoutes({ db }: AppDeps): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/readyz', async (ctx) => {
    try {
      await db.raw('SELECT 1');
      ctx.body = { ok: true, database: 'up' };
    } catch {
      ctx.status = 503;
      ctx.body = { code: 'DATABASE_UNAVAILABLE', message: 'the database is not reachable' };
    }
  });

  return router;
}
