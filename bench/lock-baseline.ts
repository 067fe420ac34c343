/**
 * The design roomescape replaces: every hold takes a row lock in PostgreSQL.
 *   BEGIN; SELECT … FROM schedules WHERE id = $1 FOR UPDATE; (if free) UPDATE …; COMMIT
 * on a pg Pool of 10, behind the same JWT check and with the same answers as the real service
 * (200 hold view, 409 SCHEDULE_NOT_AVAILABLE, 404, 400, 401). Run as a child process by
 * bench/hold.ts. `FOR UPDATE` belongs in this file only, never in src/.
 */
import Koa from 'koa';
import Router from '@koa/router';
import pg from 'pg';
import { verifyToken } from '../src/http/auth/jwt.js';

const secret = process.env.JWT_SECRET ?? '';
const holdTtlMs = Number(process.env.HOLD_TTL_MS ?? 300_000);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_MAX ?? 10) });

type Answer = { status: number; body: Record<string, unknown> };
const fail = (status: number, code: string, message: string): Answer => ({ status, body: { code, message } });
const NOT_AVAILABLE = fail(409, 'SCHEDULE_NOT_AVAILABLE', 'this time slot is held or booked by someone else');

interface Row {
  id: string;
  status: string;
  held_by: string | null;
  hold_expires_at: Date | null;
  starts_at: Date;
  has_reservation: boolean;
}

async function hold(scheduleId: number, userId: number): Promise<Answer> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<Row>(
      `SELECT s.id, s.status, s.held_by, s.hold_expires_at, s.starts_at,
              EXISTS (SELECT 1 FROM reservations r WHERE r.schedule_id = s.id AND r.status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED')) AS has_reservation
         FROM schedules s WHERE s.id = $1 FOR UPDATE`,
      [scheduleId],
    );
    const s = rows[0];
    const now = new Date();
    let answer: Answer;
    if (!s) answer = fail(404, 'SCHEDULE_NOT_FOUND', 'no such schedule');
    else if (s.starts_at <= now) answer = fail(400, 'SCHEDULE_IN_PAST', 'this time slot has already started');
    else if (s.status === 'HOLD' && Number(s.held_by) === userId && s.hold_expires_at && (s.hold_expires_at > now || s.has_reservation)) {
      answer = { status: 200, body: { scheduleId, status: 'HOLD', holdExpiresAt: s.hold_expires_at } };
    } else if (s.status !== 'AVAILABLE' && !(s.status === 'HOLD' && !s.has_reservation && s.hold_expires_at && s.hold_expires_at <= now)) {
      answer = NOT_AVAILABLE;
    } else {
      const { rows: updated } = await client.query<{ hold_expires_at: Date }>(
        `UPDATE schedules SET status = 'HOLD', held_by = $2, hold_expires_at = $3, version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING hold_expires_at`,
        [scheduleId, userId, new Date(now.getTime() + holdTtlMs)],
      );
      answer = { status: 200, body: { scheduleId, status: 'HOLD', holdExpiresAt: updated[0]!.hold_expires_at } };
    }
    await client.query('COMMIT');
    return answer;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const app = new Koa({ proxy: false });
app.silent = true;
app.use(async (ctx, next) => {
  // Echoed like the service does: the loadtest's wrk script times each request by it.
  const id = ctx.get('x-request-id');
  if (id) ctx.set('X-Request-Id', id);
  try {
    await next();
  } catch {
    ctx.status = 500;
    ctx.body = { code: 'INTERNAL_ERROR', message: 'something went wrong on our side' };
  }
});
const router = new Router();
router.get('/healthz', (ctx) => {
  ctx.body = { ok: true };
});
router.post('/schedules/:id/hold', async (ctx) => {
  const header = ctx.get('authorization');
  const claims = header.startsWith('Bearer ') ? verifyToken(header.slice(7).trim(), secret) : null;
  let answer: Answer;
  if (!claims) answer = fail(401, 'UNAUTHORIZED', 'sign in first: the token is missing, invalid or expired');
  else if (!/^[1-9][0-9]{0,14}$/.test(ctx.params.id ?? '')) answer = fail(400, 'INVALID_REQUEST', 'id: must be a positive integer id');
  else answer = await hold(Number(ctx.params.id), claims.sub);
  ctx.status = answer.status;
  ctx.body = answer.body;
});
app.use(router.routes());
app.use(router.allowedMethods());

const server = app.listen(Number(process.env.PORT ?? 8082), process.env.HOST ?? '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
});
