import type { Context } from 'koa';
import { AppError } from './errors.js';

/** How each rejection or fault an actor can answer with reaches the client. */
const STATUS: Record<string, [number, string]> = {
  SCHEDULE_NOT_FOUND: [404, 'no such schedule'],
  SCHEDULE_NOT_AVAILABLE: [409, 'this time slot is held or booked by someone else'],
  SCHEDULE_IN_PAST: [400, 'this time slot has already started'],
  SCHEDULE_NOT_BLOCKED: [409, 'this time slot is not blocked'],
  NOT_HOLDER: [409, 'you do not hold this time slot'],
  PAYMENT_IN_PROGRESS: [409, 'a payment for this time slot is in progress'],
  HOLD_REQUIRED: [409, 'hold the time slot before reserving it'],
  HOLD_EXPIRED: [409, 'your hold on this time slot has expired; hold it again'],
  INVALID_PARTICIPANTS: [400, 'participants: outside the number of players this theme allows'],
  RESERVATION_EXISTS: [409, 'you already have a reservation for this time slot'],
  USER_NOT_FOUND: [401, 'this account no longer exists; sign in again'],
  HOLD_LIMIT_REACHED: [409, 'you have as many time slots held or unpaid as one account may'],
  HOLD_RATE_LIMITED: [429, 'you have taken too many holds in the last minute'],
  SCHEDULE_AVAILABLE: [409, 'this time slot is available: hold it instead of waiting for it'],
  SCHEDULE_ALREADY_YOURS: [409, 'you already hold or booked this time slot'],
  WAITLIST_LIMIT_REACHED: [409, 'you are on as many waiting lists as one account may be'],
  DATABASE_UNAVAILABLE: [503, 'the database is unavailable; try again shortly'],
  ACTOR_TIMEOUT: [503, 'the booking service is busy; try again shortly'],
  WRITE_CONFLICT: [503, 'the time slot is changing too fast; try again'],
  ACTOR_FAILED: [500, 'something went wrong on our side'],
};

const bodies = new Map<string, string>();
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * For the hot paths: returns a successful reply, or writes a client rejection straight into the
 * response (no exception: under contention nearly every hold is refused) and returns undefined.
 * Faults (5xx) still throw, to be logged by the error middleware.
 */
export function okOrRefuse<R extends { ok: boolean }>(ctx: Context, reply: R): Extract<R, { ok: true }> | undefined {
  if (reply.ok) return reply as Extract<R, { ok: true }>;
  const code = (reply as unknown as { code: string }).code;
  const [status, message] = STATUS[code] ?? [500, ''];
  if (status >= 500) return expectOk(reply);
  if (hasDetails(reply)) throw rejection(status, code, message, reply);
  let body = bodies.get(code);
  if (!body) bodies.set(code, (body = JSON.stringify({ code, message })));
  ctx.status = status;
  sendJson(ctx, body);
  return undefined;
}

/** Sends JSON text that is already serialized. The type is set directly: `ctx.type` would look it up by name each time. */
export function sendJson(ctx: Context, json: string): void {
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = json;
}

/** Unwraps a successful reply, or throws the AppError its code maps to. */
export function expectOk<R extends { ok: boolean }>(reply: R): Extract<R, { ok: true }> {
  if (reply.ok) return reply as Extract<R, { ok: true }>;
  const code = (reply as unknown as { code: string }).code;
  const [status, message] = STATUS[code] ?? [500, 'something went wrong on our side'];
  if (hasDetails(reply)) throw rejection(status, code, message, reply);
  throw new AppError(status, status === 500 ? 'INTERNAL_ERROR' : code, message);
}

/** A rejection that says more than its code: which limit was reached, or when to try again. */
type Details = { limit?: string; max?: number; retryAfterSeconds?: number };

const hasDetails = (reply: object): reply is Details => 'limit' in reply || 'retryAfterSeconds' in reply;

function rejection(status: number, code: string, message: string, d: Details): AppError {
  if (d.limit) return new AppError(status, code, `${message}: at most ${d.max} (${d.limit})`, { limit: d.limit, max: d.max });
  return new AppError(status, code, `${message}; try again in ${d.retryAfterSeconds} s`, { retryAfterSeconds: d.retryAfterSeconds }, { 'Retry-After': String(d.retryAfterSeconds) });
}
