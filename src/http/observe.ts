import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { inSpan } from '../observability/tracing.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Scrapes and probes are not worth a trace. */
const UNTRACED = new Set(['/metrics', '/healthz', '/readyz']);

export interface RequestState {
  requestId: string;
  log?: Logger;
}

/** The request's logger, every line carrying its id; made on first use, as most requests never log. */
export function requestLog(ctx: Context, base: Logger): Logger {
  const state = ctx.state as Partial<RequestState>;
  if (!state.requestId) return base;
  return (state.log ??= base.child({ reqId: state.requestId }));
}

/**
 * Outermost middleware: a request id (the caller's X-Request-Id when it is sane, else a new one)
 * echoed back and put on every log line of the request, a span when tracing is on, and the
 * request's count and latency by route template and status.
 */
export function observe(log: Logger, metrics: Metrics) {
  // Label sets are few (route × method × status): keep each one's child, saving a label hash per request.
  const children = new Map<string, ReturnType<Metrics['httpDuration']['labels']>>();
  const durationOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = metrics.httpDuration.labels({ method, route, status: String(status) })));
    return child;
  };
  return async (ctx: Context, next: Next) => {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', requestId);
    (ctx.state as RequestState).requestId = requestId;
    const started = performance.now();
    try {
      if (UNTRACED.has(ctx.path)) await next();
      else {
        await inSpan(`HTTP ${ctx.method}`, { 'http.method': ctx.method, 'http.target': ctx.path, 'request.id': requestId }, async (span) => {
          await next();
          span?.setAttribute('http.status_code', ctx.status);
          span?.updateName(`${ctx.method} ${routeOf(ctx)}`);
        });
      }
    } finally {
      const ms = performance.now() - started;
      durationOf(ctx.method, routeOf(ctx), ctx.status).observe(ms / 1000);
      if (log.isLevelEnabled('debug')) requestLog(ctx, log).debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms) }, 'request');
    }
  };
}

const routeOf = (ctx: Context): string => (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';

/** The trace id of the current request, for log lines written outside the HTTP layer. */
export const currentTraceId = (): string | undefined => trace.getActiveSpan()?.spanContext().traceId;
