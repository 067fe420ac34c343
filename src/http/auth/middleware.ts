import type { Context, Next } from 'koa';
import type { Role } from '../../db/models/index.js';
import { AppError } from '../errors.js';
import { tokenVerifier } from './jwt.js';

export const TOKEN_COOKIE = 'token';

export interface Caller {
  userId: number;
  role: Role;
}

export interface AuthState {
  caller?: Caller;
}

function tokenOf(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (header) return header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  return ctx.cookies.get(TOKEN_COOKIE);
}

// One memory of verified tokens per secret, shared by every route that requires sign-in.
const verifiers = new Map<string, ReturnType<typeof tokenVerifier>>();

/** Checks the token (Bearer header or the login cookie) and, with `role`, the role; sets the caller or throws 401/403. */
function authenticator(secret: string, role?: Role): (ctx: Context) => void {
  const verify = verifiers.get(secret) ?? verifiers.set(secret, tokenVerifier(secret)).get(secret)!;
  return (ctx) => {
    const token = tokenOf(ctx);
    const claims = token ? verify(token) : null;
    if (!claims) throw new AppError(401, 'UNAUTHORIZED', 'sign in first: the token is missing, invalid or expired');
    if (role && claims.role !== role) throw new AppError(403, 'FORBIDDEN', `this needs the ${role} role`);
    (ctx.state as AuthState).caller = { userId: claims.sub, role: claims.role };
  };
}

/** Middleware: requires a valid token; with `role`, also that role. */
export function requireAuth(secret: string, role?: Role) {
  const authenticate = authenticator(secret, role);
  return (ctx: Context, next: Next) => {
    authenticate(ctx);
    return next();
  };
}

/**
 * A route handler that requires sign-in, as one function: the same check as `requireAuth`, without
 * a second layer for the router to compose on every request.
 */
export function signedIn(secret: string) {
  const authenticate = authenticator(secret);
  return <C extends Context>(handler: (ctx: C) => Promise<void>) =>
    (ctx: C): Promise<void> => {
      authenticate(ctx);
      return handler(ctx);
    };
}

export function callerOf(ctx: Context): Caller {
  const caller = (ctx.state as AuthState).caller;
  if (!caller) throw new AppError(401, 'UNAUTHORIZED', 'sign in first');
  return caller;
}
