import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/knex.js';
import { refuse } from '../../errors/catalogue.js';
import { okBody, readyBody, text } from '../bodies.js';
import { operation } from './table.js';

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
      if (production) throw refuse('FORBIDDEN', 'set METRICS_TOKEN to scrape metrics in production');
      return;
    }
    const given = Buffer.from(authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse('UNAUTHORIZED', 'metrics need the METRICS_TOKEN bearer token');
  };
}

const tags = ['Operations'];

export const OPS = [
  operation({
    method: 'get',
    path: '/healthz',
    access: 'public',
    summary: 'The process is up',
    tags,
    responses: { 200: { description: 'up', schema: okBody, example: { ok: true } } },
    handler: () => (ctx) => {
      ctx.body = { ok: true };
    },
  }),
  operation({
    method: 'get',
    path: '/readyz',
    access: 'public',
    summary: 'The database answers',
    tags,
    responses: { 200: { description: 'the database answered within a second', schema: readyBody } },
    errors: ['DATABASE_UNAVAILABLE'],
    handler:
      ({ db }) =>
      async (ctx) => {
        if (!(await databaseAnswers(db))) throw refuse('DATABASE_UNAVAILABLE', 'the database is not reachable');
        ctx.body = { ok: true, database: 'up' };
      },
  }),
  operation({
    method: 'get',
    path: '/metrics',
    access: 'public',
    summary: 'Counters for dashboards',
    description: 'With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>`; without it, anyone in development and nobody in production.',
    tags,
    responses: { 200: { description: 'Prometheus text: requests by route, hold and payment outcomes, actors, the history buffer', type: 'text/plain', schema: text } },
    errors: ['UNAUTHORIZED', 'FORBIDDEN'],
    handler: ({ metrics, config }) => {
      const mayScrape = metricsAccess(config.metricsToken, config.production);
      /** Prometheus text; gauges read the actors, pool and queues at scrape time. */
      return async (ctx) => {
        mayScrape(ctx.req.headers.authorization);
        ctx.type = metrics.registry.contentType;
        ctx.body = await metrics.registry.metrics();
      };
    },
  }),
];
