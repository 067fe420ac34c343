import type { Context, Next } from 'koa';
import { isDatabaseUnavailable, isForeignKeyViolation, sqlStateOf } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { requestLog } from './request-log.js';

/** The one error type of the HTTP layer: a code for the client, a status, and whether it is our fault. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers that go with the answer (Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    // An AppError is an answer, not a bug: its stack is never shown or logged, and capturing one
    // costs more than the rest of a refused hold.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'AppError';
  }
}

export const invalidRequest = (message: string) => new AppError(400, 'INVALID_REQUEST', message);

/**
 * Runs the rest of the chain and turns what went wrong into the answer. Client errors become
 * `{code, message}` and are not logged as errors; anything else is a 500 with a generic body,
 * logged with its stack, which never reaches the client.
 */
export async function answeringErrors(ctx: Context, next: Next, log: Logger): Promise<void> {
  try {
    await next();
    if (ctx.body === undefined || ctx.body === null) {
      if (ctx.status === 404) throw new AppError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      if (ctx.status === 405) throw new AppError(405, 'METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`);
      // `allowedMethods()` answers a method no route is declared with (PROPFIND, …) with a bare 501.
      if (ctx.status === 501) throw new AppError(501, 'NOT_IMPLEMENTED', `${ctx.method} is not a method this service implements`);
    }
  } catch (err) {
    const { status, body } = toResponse(err);
    const logger = requestLog(ctx, log);
    // A database outage is logged once, when it starts and ends (db/outage.ts), not per request.
    if (status === 503) logger[body.code === 'DATABASE_UNAVAILABLE' ? 'debug' : 'warn']({ code: body.code, method: ctx.method, path: ctx.path }, 'request refused: service unavailable');
    else if (status >= 500) logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
    if (err instanceof AppError) for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
    ctx.status = status;
    ctx.body = body;
  }
}

function toResponse(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof AppError) return { status: err.status, body: { code: err.code, message: err.message, ...err.extra } };
  const e = err as { status?: unknown; expose?: unknown; message?: unknown };
  // Errors raised by Koa itself (ctx.throw, http-errors) carry status and expose.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return { status: e.status, body: { code: e.status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', message: String(e.message) } };
  }
  if (isDatabaseUnavailable(err)) return { status: 503, body: { code: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable; try again shortly' } };
  // A last line of defence: input the schemas let through but PostgreSQL refused is still the client's.
  const state = sqlStateOf(err);
  if (state === '23505' || isForeignKeyViolation(err)) return { status: 409, body: { code: 'CONFLICT', message: 'this conflicts with existing data' } };
  if (state?.startsWith('22') || state === '23502' || state === '23514') return { status: 400, body: { code: 'INVALID_REQUEST', message: 'a value is out of range or malformed' } };
  return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'something went wrong on our side' } };
}
