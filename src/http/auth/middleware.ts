import type { Context, Next } from 'koa';
import type { Role } from '../../db/models/index.js';
import { AppError } from '../errors.js';
import { verifyToken } from './jwt.js';

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
export function requireAuth(secret: string, role?: Role) {
  return async (ctx: Context, next: Next) => {
    const token = tokenOf(ctx);
    const claims = token ? verifyToken(token, secret) : null;
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
