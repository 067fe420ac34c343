import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/knex.js';
import { AppError } from '../errors.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

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

/**
 * Who may scrape /metrics: with METRICS_TOKEN, only `Authorization: Bearer <token>`; without it,
 * anyone in development and nobody in production (the figures tell an outsider too much).
 */
function metricsAccess(token: string | undefined, production: boolean): (authorization: string | undefined) => void {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return (authorization) => {
    if (!expected) {
      if (production) throw new AppError(403, 'FORBIDDEN', 'set METRICS_TOKEN to scrape metrics in production');
      return;
    }
    const given = Buffer.from(authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError(401, 'UNAUTHORIZED', 'metrics need the METRICS_TOKEN bearer token');
  };
}

export function opsRoutes({ db, metrics, guard, config }: AppDeps): Routes {
  const router = new Routes(guard);
  const mayScrape = metricsAccess(config.metricsToken, config.production);

  router.get('/healthz', 'public', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/readyz', 'public', async (ctx) => {
    if (await databaseAnswers(db)) {
      ctx.body = { ok: true, database: 'up' };
    } else {
      ctx.status = 503;
      ctx.body = { code: 'DATABASE_UNAVAILABLE', message: 'the database is not reachable' };
    }
  });

  /** Prometheus text; gauges read the actors, pool and queues at scrape time. */
  router.get('/metrics', 'public', async (ctx) => {
    mayScrape(ctx.req.headers.authorization);
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  return router;
}
