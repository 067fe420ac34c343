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

export function opsRoutes({ db, actors }: AppDeps): Router {
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

  /** Counters for dashboards: the history actor's backlog and writes, live schedule actors. */
  router.get('/metrics', (ctx) => {
    ctx.body = { history: actors.history.stats(), schedules: actors.schedules.stats() };
  });

  return router;
}
