import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The security headers every response carries, decided once by helmet and then set directly:
 * running helmet's dozen middlewares on every request would cost more than the rest of a refused
 * hold. Responses that need another policy (the API docs page, its assets) set their own after.
 */
export function securityHeaders(opts: { hsts: boolean }): [string, string][] {
  const headers: [string, string][] = [];
  const collect = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, String(value)]);
    },
    removeHeader() {},
  } as unknown as ServerResponse;
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: opts.hsts ? { maxAge: 15_552_000, includeSubDomains: true } : false,
    // Headers for browsers long gone, or with no effect on a JSON API that opens no windows.
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    originAgentCluster: false,
  })({} as IncomingMessage, collect, () => undefined);
  // Booking and account answers are personal; nothing here is worth a shared cache's copy.
  headers.push(['Cache-Control', 'no-store']);
  return headers;
}
