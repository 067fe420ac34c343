import type { Context } from 'koa';
import { answerFor, refusalOf } from '../errors/catalogue.js';

export { refusalOf };

const bodies = new Map<string, string>();
export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * For the hot paths: returns a successful reply, or writes a client rejection straight into the
 * response (no exception: under contention nearly every hold is refused) and returns undefined.
 * Faults (5xx) still throw, to be logged by the error middleware.
 */
export function okOrRefuse<R extends { ok: boolean }>(ctx: Context, reply: R): Extract<R, { ok: true }> | undefined {
  if (reply.ok) return reply as Extract<R, { ok: true }>;
  const refusal = plainRefusal(reply as unknown as { ok: false; code: string });
  if (!refusal) throw refusalOf(reply);
  ctx.status = refusal.status;
  sendJson(ctx, refusal.json);
  return undefined;
}

/** A client rejection as its status and cached JSON body; undefined for a fault (5xx) or a refusal with details of its own. */
export function plainRefusal(reply: { ok: false; code: string }): { status: number; json: string } | undefined {
  const answer = answerFor(reply.code);
  if (answer.status >= 500 || hasDetails(reply)) return undefined;
  let json = bodies.get(reply.code);
  if (!json) bodies.set(reply.code, (json = JSON.stringify({ code: answer.code, message: answer.message })));
  return { status: answer.status, json };
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
