import cors from '@koa/cors';
import type { Middleware } from 'koa';

/** Headers a browser may read from a cross-origin answer, besides the CORS-safelisted ones. */
const EXPOSED = ['X-Request-Id', 'Retry-After', 'Idempotency-Key'];

/**
 * CORS for an allowlist (CORS_ORIGINS): a listed origin gets its own origin back with credentials
 * allowed (the login cookie travels); any other origin gets no CORS headers at all, so the browser
 * keeps the answer from its page. Never `*`: with credentials that would hand the session to any site.
 * Undefined for an empty list (no layer at all).
 */
export function corsFor(origins: readonly string[]): Middleware | undefined {
  if (origins.length === 0) return undefined;
  const listed = new Set(origins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return listed.has(origin) ? origin : '';
    },
    credentials: true,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id'],
    exposeHeaders: EXPOSED,
    maxAge: 600,
  });
}
