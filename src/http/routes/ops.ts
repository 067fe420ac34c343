import Router from '@koa/router';
import type { Db } from '../../db/knex.js';
import type { AppDeps } from '../deps.js';

/** Readiness answers within this long even when the database hangs rather than refuses. */
const READY_TIMEOUT_MS = 1_000;

async function databaseAnswers(db: Db): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  const probe = db.raw('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export function opsRoutes({ db, metrics }: AppDeps): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/readyz', async (ctx) => {
    if (await databaseAnswers(db)) {
      ctx.body = { ok: true, database: 'up' };
    } else {
      ctx.status = 503;
      ctx.body = { code: 'DATABASE_UNAVAILABLE', message: 'the database is not reachable' };
    }
  });

  /** Prometheus text; gauges read the actors, pool and queues at scrape time. */
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  return router;
}
