import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { inSpan, tracingOn } from '../observability/tracing.js';
import { answeringErrors } from './errors.js';
import { requestLog, type RequestState } from './request-log.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Ids this process gives requests that came without one: unique per process start, and cheap. */
const BOOT = randomBytes(6).toString('base64url');
let issued = 0;
const newRequestId = (): string => `${BOOT}-${(issued += 1).toString(36)}`;

/** Stamps a response with what every answer carries, whoever writes it: its request id (returned) and the security headers. */
export type Stamp = (req: IncomingMessage, res: ServerResponse) => string;

export function stamper(headers: readonly [string, string][]): Stamp {
  return (req, res) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
    res.setHeader('X-Request-Id', requestId);
    for (let i = 0; i < headers.length; i += 1) res.setHeader(headers[i]![0], headers[i]![1]);
    return requestId;
  };
}

/** Scrapes and probes are not worth a trace. */
const UNTRACED = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * The one application-wide middleware: a request id (the caller's X-Request-Id when it is sane,
 * else a new one) echoed back and put on every log line of the request, a span when tracing is on,
 * the security headers, errors turned into answers (`answeringErrors`), the request's count and latency by route
 * template and status, and the access line. One layer, not a middleware each: every layer costs a promise per request.
 */
export interface ObserveOptions {
  /** One `info` line per request: method, route template, status, ms, reqId (ACCESS_LOG). */
  accessLog?: boolean;
}

export function observe(log: Logger, metrics: Metrics, stamp: Stamp = stamper([]), { accessLog = false }: ObserveOptions = {}) {
  const durationOf = (method: string, route: string, status: number) => metrics.httpDuration.child(method, route, statusText(status));
  const access = accessLine(log, accessLog);
  return async (ctx: Context, next: Next) => {
    // Node's own request and response, not Koa's accessors: this runs on every request.
    const requestId = stamp(ctx.req, ctx.res);
    (ctx.state as RequestState).requestId = requestId;
    const started = performance.now();
    try {
      if (!tracingOn() || UNTRACED.has(ctx.path)) await answeringErrors(ctx, next, log);
      else {
        await inSpan(`HTTP ${ctx.method}`, { 'http.method': ctx.method, 'http.target': ctx.path, 'request.id': requestId }, async (span) => {
          await answeringErrors(ctx, next, log);
          span?.setAttribute('http.status_code', ctx.status);
          span?.updateName(`${ctx.method} ${routeOf(ctx)}`);
        });
      }
    } finally {
      const ms = performance.now() - started;
      const method = ctx.req.method ?? '';
      const route = routeOf(ctx);
      const status = ctx.res.statusCode;
      durationOf(method, route, status).observe(ms / 1000);
      // reqId as a field: a child logger per request would cost more than the line.
      if (!access(requestId, method, route, status, ms) && log.isLevelEnabled('debug')) requestLog(ctx, log).debug({ method, path: ctx.path, status, ms: Math.round(ms) }, 'request');
    }
  };
}

/** Writes a request's access line when ACCESS_LOG is on and info is logged; says whether it did. */
export type AccessLine = (reqId: string, method: string, route: string, status: number, ms: number) => boolean;

export function accessLine(log: Logger, accessLog: boolean): AccessLine {
  // Without the redaction the base logger applies, which more than doubles the line's cost (README,
  // Operations); every field of the line is built here, and reqId has passed REQUEST_ID.
  const access = accessLog ? log.child({}, { redact: [] }) : undefined;
  return (reqId, method, route, status, ms) => {
    if (!access?.isLevelEnabled('info')) return false;
    access.info({ reqId, method, route, status, ms: Math.round(ms * 10) / 10 }, 'request');
    return true;
  };
}

const statusTexts = new Map<number, string>();
export const statusText = (status: number): string => statusTexts.get(status) ?? statusTexts.set(status, String(status)).get(status)!;

const routeOf = (ctx: Context): string => (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';

/** The trace id of the current request, for log lines written outside the HTTP layer. */
