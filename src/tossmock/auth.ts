import type { Middleware } from 'koa';
import { TossError } from './error-codes.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Basic auth with the secret key as user name and an empty password. The
 * expected header is precomputed so the common case is one comparison.
 */
export function basicAuth(secretKey: string): Middleware {
  const expected = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  return async (ctx, next) => {
    const header = ctx.headers.authorization;
    if (header !== expected) checkCredentials(header, secretKey);
    return next();
  };
}

function checkCredentials(header: string | undefined, secretKey: string): void {
  if (!header) throw new TossError('UNAUTHORIZED_KEY');
  const [scheme, token, ...rest] = header.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== 'basic' || !token || rest.length > 0 || !BASE64.test(token)) {
    throw new TossError('INCORRECT_BASIC_AUTH_FORMAT');
  }
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new TossError('INCORRECT_BASIC_AUTH_FORMAT');
  if (decoded.slice(0, colon) !== secretKey) throw new TossError('UNAUTHORIZED_KEY');
}
