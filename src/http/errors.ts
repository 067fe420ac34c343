import type { Context, Next } from 'koa';
import { isDatabaseUnavailable, isForeignKeyViolation, sqlStateOf } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { requestLog } from './request-log.js';
import { answerFor, refuse, Refusal } from '../errors/catalogue.js';

export { Refusal, refuse } from '../errors/catalogue.js';

export const invalidRequest = (message: string): Refusal => refuse('INVALID_REQUEST', message);

/**
 * Runs the rest of the chain and turns what went wrong into the answer. Client errors become
 * `{code, message}` and are not logged as errors; anything else is a 500 with a generic body,
 * logged with its stack, which never reaches the client.
 */
export async function answeringErrors(ctx: Context, next: Next, log: Logger): Promise<void> {
  try {
    await next();
    if (ctx.body === undefined || ctx.body === null) {
      if (ctx.status === 404) throw refuse('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      if (ctx.status === 405) throw refuse('METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`);
      // `allowedMethods()` answers a method no route is declared with (PROPFIND, …) with a bare 501.
      if (ctx.status === 501) throw refuse('NOT_IMPLEMENTED', `${ctx.method} is not a method this service implements`);
    }
  } catch (err) {
    const { status, body } = toResponse(err);
    const logger = requestLog(ctx, log);
    // A database outage is logged once, when it starts and ends (db/outage.ts), not per request.
    if (status === 503) logger[body.code === 'DATABASE_UNAVAILABLE' ? 'debug' : 'warn']({ code: body.code, method: ctx.method, path: ctx.path }, 'request refused: service unavailable');
    else if (status >= 500) logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
    if (err instanceof Refusal && err.details.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(err.details.retryAfterSeconds));
    ctx.status = status;
    ctx.body = body;
  }
}

function toResponse(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof Refusal) return { status: err.status, body: { code: err.code, message: err.message, ...err.details } };
  const e = err as { status?: unknown; expose?: unknown; message?: unknown };
  // Errors raised by Koa itself (ctx.throw, http-errors) carry status and expose.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return { status: e.status, body: { code: e.status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', message: String(e.message) } };
  }
  if (isDatabaseUnavailable(err)) return catalogued('DATABASE_UNAVAILABLE');
  // A last line of defence: input the schemas let through but PostgreSQL refused is still the client's.
  const state = sqlStateOf(err);
  if (state === '23505' || isForeignKeyViolation(err)) return catalogued('CONFLICT');
  if (state?.startsWith('22') || state === '23502' || state === '23514') return catalogued('INVALID_REQUEST', 'a value is out of range or malformed');
  return catalogued('INTERNAL_ERROR');
}

function catalogued(code: 'DATABASE_UNAVAILABLE' | 'CONFLICT' | 'INVALID_REQUEST' | 'INTERNAL_ERROR', message?: string): { status: number; body: Record<string, unknown> } {
  const answer = answerFor(code);
  return { status: answer.status, body: { code, message: message ?? answer.message } };
}
