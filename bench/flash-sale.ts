/**
 * The design a team would pick instead of actors for a flash sale: the hold is taken in Redis with
 * `SET key holder NX PX ttl` (one Lua call, EVALSHA through ioredis `defineCommand`), only the
 * winner writes PostgreSQL (one compare-and-set UPDATE of the schedule row), and every loser is
 * answered from what Redis returned (409, or the caller's own hold again). Around it the conventions
 * any shipped service has: Koa + @koa/router, a JWT check with a cache of verified tokens (the
 * service's `tokenVerifier`), a prom-client latency histogram by method, route and status, and a
 * `/metrics` route. Same answers as the service (200 hold view, 409 SCHEDULE_NOT_AVAILABLE, 404,
 * 400, 401). No session or role check against the database and no per-user hold cap: the baseline
 * gets the cheapest honest version of the hot path. Run as a child process by bench/loadtest.ts
 * and bench/hold.ts, with REDIS_URL and FLASH_KEY_PREFIX (a prefix of its own per run).
 */
import Koa from 'koa';
import Router from '@koa/router';
import { Redis, type Result } from 'ioredis';
import pg from 'pg';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { tokenVerifier } from '../src/http/auth/jwt.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** [1, value] when this call took the hold, else [0, the holder's value]. */
    takeHold(key: string, value: string, ttlMs: number): Result<[number, string], Context>;
    /** Deletes the key only while it still holds `value` (a failed winner gives its hold back). */
    giveBack(key: string, value: string): Result<number, Context>;
  }
}

const verify = tokenVerifier(process.env.JWT_SECRET ?? '');
const holdTtlMs = Number(process.env.HOLD_TTL_MS ?? 300_000);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_MAX ?? 10) });
// Auto-pipelining (one documented flag) writes the commands of one tick in one syscall: the baseline's best shot.
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: process.env.FLASH_KEY_PREFIX ?? `flash:${process.pid}:`, enableAutoPipelining: true });
redis.defineCommand('takeHold', {
  numberOfKeys: 1,
  lua: `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1]} end
        return {0, redis.call('GET', KEYS[1])}`,
});
redis.defineCommand('giveBack', {
  numberOfKeys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
});

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests by route and status, and their latency',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

type Answer = { status: number; body: Record<string, unknown> };
const fail = (status: number, code: string, message: string): Answer => ({ status, body: { code, message } });
const NOT_AVAILABLE = fail(409, 'SCHEDULE_NOT_AVAILABLE', 'this time slot is held or booked by someone else');
// The key order is the service's: the loadtest's wrk script reads winners by it.
const held = (scheduleId: number, holdExpiresAt: string): Answer => ({ status: 200, body: { scheduleId, status: 'HOLD', holdExpiresAt } });

/** The one write: free, or held with an expired hold and no live reservation, and not started yet. */
const CLAIM = `UPDATE schedules s SET status = 'HOLD', held_by = $2, hold_expires_at = $3, version = s.version + 1, updated_at = now()
  WHERE s.id = $1 AND s.starts_at > now()
    AND (s.status = 'AVAILABLE' OR (s.status = 'HOLD' AND s.hold_expires_at <= now()
         AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.schedule_id = s.id AND r.status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED'))))`;

/** Why the claim wrote nothing; off the hot path (an unknown, past or booked schedule). */
async function refusal(scheduleId: number): Promise<Answer> {
  const { rows } = await pool.query<{ past: boolean }>('SELECT starts_at <= now() AS past FROM schedules WHERE id = $1', [scheduleId]);
  if (!rows[0]) return fail(404, 'SCHEDULE_NOT_FOUND', 'no such schedule');
  return rows[0].past ? fail(400, 'SCHEDULE_IN_PAST', 'this time slot has already started') : NOT_AVAILABLE;
}

async function hold(scheduleId: number, userId: number): Promise<Answer> {
  const key = `hold:${scheduleId}`;
  const holdExpiresAt = new Date(Date.now() + holdTtlMs).toISOString();
  const [won, holder = ''] = await redis.takeHold(key, `${userId}|${holdExpiresAt}`, holdTtlMs);
  const [holderId, holderExpiresAt] = holder.split('|') as [string, string];
  if (!won) return Number(holderId) === userId ? held(scheduleId, holderExpiresAt) : NOT_AVAILABLE;
  // Until this write lands, the winner's own repeats are answered 200 from Redis as well.
  try {
    const { rowCount } = await pool.query(CLAIM, [scheduleId, userId, holdExpiresAt]);
    if (rowCount === 1) return held(scheduleId, holdExpiresAt);
    await redis.giveBack(key, holder);
    return await refusal(scheduleId);
  } catch (err) {
    await redis.giveBack(key, holder).catch(() => undefined);
    throw err;
  }
}

const app = new Koa({ proxy: false });
app.silent = true;
app.use(async (ctx, next) => {
  const end = httpDuration.startTimer();
  // Echoed like the service does: the loadtest's wrk script times each request by it.
  const id = ctx.get('x-request-id');
  if (id) ctx.set('X-Request-Id', id);
  try {
    await next();
  } catch {
    ctx.status = 500;
    ctx.body = { code: 'INTERNAL_ERROR', message: 'something went wrong on our side' };
  } finally {
    end({ method: ctx.method, route: (ctx as Koa.Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched', status: ctx.status });
  }
});
const router = new Router();
router.get('/healthz', (ctx) => {
  ctx.body = { ok: true };
});
router.get('/metrics', async (ctx) => {
  ctx.type = registry.contentType;
  ctx.body = await registry.metrics();
});
router.post('/schedules/:id/hold', async (ctx) => {
  const header = ctx.get('authorization');
  const claims = header.startsWith('Bearer ') ? verify(header.slice(7).trim()) : null;
  let answer: Answer;
  if (!claims) answer = fail(401, 'UNAUTHORIZED', 'sign in first: the token is missing, invalid or expired');
  else if (!/^[1-9][0-9]{0,14}$/.test(ctx.params.id ?? '')) answer = fail(400, 'INVALID_REQUEST', 'id: must be a positive integer id');
  else answer = await hold(Number(ctx.params.id), claims.sub);
  ctx.status = answer.status;
  ctx.body = answer.body;
});
app.use(router.routes());
app.use(router.allowedMethods());

// Ready only once Redis answers: without it every hold would fail (the bench then reports the start-up error).
await redis.ping();
const server = app.listen(Number(process.env.PORT ?? 8083), process.env.HOST ?? '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => {
  server.close(() => void Promise.allSettled([pool.end(), redis.quit()]).then(() => process.exit(0)));
  server.closeAllConnections();
});
