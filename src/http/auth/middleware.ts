import type { Context } from 'koa';
import type { Role } from '../../db/models/index.js';
import type { Sessions } from '../../services/sessions.js';
import { refuse } from '../../errors/catalogue.js';
import { tokenVerifier, type Claims } from './jwt.js';

export const TOKEN_COOKIE = 'token';

/** Who may call a route: anyone, any signed-in user, or a signed-in user whose role is ADMIN now. */
export type Access = 'public' | 'user' | 'admin';

export interface Caller {
  userId: number;
  role: Role;
  /** The session the token names, and when the token expires (seconds since the epoch). */
  sid: string;
  exp: number;
  /** True when the token came in the login cookie rather than an Authorization header. */
  viaCookie: boolean;
}

export interface AuthState {
  caller?: Caller;
}

/**
 * Checks a request against a route's access and sets `ctx.state.caller`, or throws 401/403.
 * Synchronous when the caller is known (the hot path); a promise when the database must be asked.
 */
export interface Guard {
  (ctx: Context, access: Exclude<Access, 'public'>): void | Promise<void>;
  /**
   * For answers made before Koa (`http/at-once.ts`): the caller a Bearer header names, when that
   * is known at once and has the access; undefined whenever the full path must decide (no or a bad
   * token, the cookie, a database read, a refusal), so a refusal is always the full path's.
   */
  atOnce(authorization: string | undefined, access: Exclude<Access, 'public'>): Caller | undefined;
}

const unauthorized = (why?: string) => refuse('UNAUTHORIZED', why);
const forbidden = () => refuse('FORBIDDEN');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A write made with the login cookie must come from a page of ours (or an allowed origin): the
 * cookie is SameSite=Lax, and this closes what Lax leaves open (same-site subdomains, old browsers).
 * A request without Origin is not a browser's cross-site form or fetch, and is let through.
 */
function originAllowed(ctx: Context, allowed: ReadonlySet<string>): boolean {
  const origin = ctx.req.headers.origin;
  if (!origin || SAFE_METHODS.has(ctx.method)) return true;
  return allowed.has(origin) || origin === `${ctx.protocol}://${ctx.host}`;
}

/** The token of an `Authorization: Bearer …` header; undefined for any other scheme. */
const bearerToken = (header: string): string | undefined => (header.startsWith('Bearer ') ? header.slice(7).trim() : undefined);

/** Whether a role has the access a route asks for (a signed-in caller has 'user'). */
const hasAccess = (role: Role, access: Exclude<Access, 'public'>): boolean => access !== 'admin' || role === 'ADMIN';

const callerFrom = (claims: Claims, role: Role, viaCookie: boolean): Caller => ({ userId: claims.sub, role, sid: claims.sid, exp: claims.exp, viaCookie });

export function createGuard(secret: string, sessions: Sessions, opts: { allowedOrigins?: string[] } = {}): Guard {
  const verify = tokenVerifier(secret);
  const allowed = new Set(opts.allowedOrigins ?? []);
  const guard = (ctx: Context, access: Exclude<Access, 'public'>): void | Promise<void> => {
    const header = ctx.req.headers.authorization;
    let token: string | undefined;
    let viaCookie = false;
    if (header) token = bearerToken(header);
    else {
      token = ctx.cookies.get(TOKEN_COOKIE);
      viaCookie = true;
    }
    const claims = token ? verify(token) : null;
    if (!claims) throw unauthorized();
    if (viaCookie && !originAllowed(ctx, allowed)) throw refuse('ORIGIN_REFUSED');
    const admit = (authority: { role: Role } | null) => {
      if (!authority) throw unauthorized('this session has ended or the account no longer exists; sign in again');
      if (!hasAccess(authority.role, access)) throw forbidden();
      (ctx.state as AuthState).caller = callerFrom(claims, authority.role, viaCookie);
    };
    const authority = sessions.authority(claims.sub, claims.sid, claims.role);
    if (authority instanceof Promise) return authority.then(admit);
    admit(authority);
    return undefined;
  };
  const atOnce = (authorization: string | undefined, access: Exclude<Access, 'public'>): Caller | undefined => {
    const token = authorization && bearerToken(authorization);
    const claims = token ? verify(token) : null;
    if (!claims) return undefined;
    const authority = sessions.authority(claims.sub, claims.sid, claims.role);
    if (authority instanceof Promise) {
      // The full path asks again and meets the same read; its failure is that path's to answer.
      authority.catch(() => undefined);
      return undefined;
    }
    return authority && hasAccess(authority.role, access) ? callerFrom(claims, authority.role, false) : undefined;
  };
  return Object.assign(guard, { atOnce });
}

export function callerOf(ctx: Context): Caller {
  const caller = (ctx.state as AuthState).caller;
  if (!caller) throw unauthorized();
  return caller;
}
