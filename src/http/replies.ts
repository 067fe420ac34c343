import type { Context } from 'koa';
import { answerFor, refusalOf } from '../errors/catalogue.js';

export { refusalOf };

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
  const answer = answerFor(code);
  if (answer.status >= 500 || hasDetails(reply)) throw refusalOf(reply);
  let body = bodies.get(code);
  if (!body) bodies.set(code, (body = JSON.stringify({ code: answer.code, message: answer.message })));
  ctx.status = answer.status;
  sendJson(ctx, body);
  return undefined;
}

/** Sends JSON text that is already serialized. The type is set directly: `ctx.type` would look it up by name each time. */
export function sendJson(ctx: Context, json: string): void {
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = json;
}

/** Unwraps a successful reply, or throws the refusal its code stands for (the catalogue gives status and message). */
export function expectOk<R extends { ok: boolean }>(reply: R): Extract<R, { ok: true }> {
  if (reply.ok) return reply as Extract<R, { ok: true }>;
  throw refusalOf(reply);
}

const hasDetails = (reply: object): boolean => 'limit' in reply || 'retryAfterSeconds' in reply;
