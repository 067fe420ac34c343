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

/** Requires a valid token (Bearer header or the login cookie); with `role`, also that role. */
// One memory of verified tokens per secret, shared by every route that requires sign-in.
const verifiers = new Map<string, ReturnType<typeof tokenVerifier>>();

export function requireAuth(secret: string, role?: Role) {
  const verify = verifiers.get(secret) ?? verifiers.set(secret, tokenVerifier(secret)).get(secret)!;
  return async (ctx: Context, next: Next) => {
    const token = tokenOf(ctx);
    const claims = token ? verify(token) : null;
    if (!claims) throw new AppError(401, 'UNAUTHORIZED', 'sign in first: the token is missing, invalid or expired');
    if (role && claims.role !== role) throw new AppError(403, 'FORBIDDEN', `this needs the ${role} role`);
    (ctx.state as AuthState).caller = { userId: claims.sub, role: claims.role };
    await next();
  };
}

export function callerOf(ctx: Context): Caller {
  const caller = (ctx.state as AuthState).caller;
  if (!caller) throw new AppError(401, 'UNAUTHORIZED', 'sign in first');
  return caller;
}
