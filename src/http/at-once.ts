import type { IncomingMessage, ServerResponse } from 'node:http';
import { tracingOn } from '../observability/tracing.js';
import type { Caller } from './auth/middleware.js';
import type { AppDeps } from './deps.js';
import { accessLine, statusText, type Stamp } from './observe.js';
import { JSON_TYPE } from './replies.js';
import { declaredAnswer } from './response-check.js';
import type { AtOnceAnswer, Operation } from './routes/table.js';

/** Answers a request before Koa and returns true, or returns false having written nothing. */
export type AtOnce = (req: IncomingMessage, res: ServerResponse) => boolean;

interface Lane {
  pattern: RegExp;
  access: Exclude<Operation['access'], 'public'>;
  answer: (params: { id: number }, caller: () => Caller | undefined) => AtOnceAnswer | undefined;
  op: Operation;
  method: string;
  /** Tests only (`validateResponses`): does the answer match the operation's declared schema? */
  declared?: (status: number, json: string) => boolean;
}

/**
 * Answers made before Koa, for the request that dominates under contention: a hold on a slot
 * someone else holds. A route declares them (`Operation.atOnce`); the answer is the one its full
 * path gives, from the same memory (the guard's token memo and sessions, the actor's published
 * state, the cached refusal body), stamped with the same request id and security headers and
 * timed into the same histogram, without Koa's context, middleware chain and router match
 * (measured in ARCHITECTURE.md). Anything else takes the full path untouched: another method or
 * spelling of the path (the pattern is exact and case-sensitive, no query), a request with an
 * Origin (CORS, the cookie), no Bearer token or one not known at once, a state too old, any answer
 * but the route's refusal, tracing on. So access is never decided here: only a caller the full
 * path would let in is answered, and only with what it would answer.
 *
 * Under tests (`validateResponses`) an answer that does not match its declared schema goes the full
 * path instead, whose response check then reports it.
 */
export function answersAtOnce(table: readonly Operation[], deps: AppDeps, stamp: Stamp): AtOnce | undefined {
  const access = accessLine(deps.log, deps.config.accessLog);
  const byMethod = new Map<string, Lane[]>();
  for (const op of table) {
    if (!op.atOnce) continue;
    if (op.access === 'public') throw new Error(`${op.method} ${op.path}: answers at once are for signed-in callers`);
    const method = op.method.toUpperCase();
    const lane: Lane = {
      pattern: patternOf(op.path),
      access: op.access,
      answer: op.atOnce(deps),
      op,
      method,
      declared: deps.config.validateResponses ? declaredAnswer(op) : undefined,
    };
    byMethod.set(method, [...(byMethod.get(method) ?? []), lane]);
  }
  if (byMethod.size === 0) return undefined;
  return (req, res) => {
    const lanes = byMethod.get(req.method ?? '');
    // A request's debug line is the full path's to write (it reads Koa's context).
    if (!lanes || req.headers.origin !== undefined || tracingOn() || deps.log.isLevelEnabled('debug')) return false;
    const url = req.url ?? '';
    for (const lane of lanes) {
      const m = lane.pattern.exec(url);
      if (!m) continue;
      const started = performance.now();
      const answer = lane.answer({ id: Number(m[1]) }, () => deps.guard.atOnce(req.headers.authorization, lane.access));
      if (!answer || (lane.declared && !lane.declared(answer.status, answer.json))) return false;
      const requestId = stamp(req, res);
      res.statusCode = answer.status;
      res.setHeader('Content-Type', JSON_TYPE);
      res.setHeader('Content-Length', Buffer.byteLength(answer.json));
      res.end(answer.json);
      const ms = performance.now() - started;
      deps.metrics.httpDuration.child(lane.method, lane.op.path, statusText(answer.status)).observe(ms / 1000);
      access(requestId, lane.method, lane.op.path, answer.status, ms);
      deps.metrics.answeredAtOnce.inc(lane.op.path);
      return true;
    }
    return false;
  };
}

/** `/schedules/:id/hold` → an exact, case-sensitive pattern whose one group is the id as `idParams` takes it. */
function patternOf(path: string): RegExp {
  const parts = path.split('/').map((part) => {
    if (part === ':id') return '([1-9][0-9]{0,14})';
    if (part.startsWith(':')) throw new Error(`${path}: answers at once know only the :id parameter`);
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}
