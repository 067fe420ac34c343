import { login, me, signup } from '../../services/auth.js';
import { SlotsFull } from '../../services/slots.js';
import type { Verdict } from '../../services/throttle.js';
import { callerOf, TOKEN_COOKIE } from '../auth/middleware.js';
import { signToken, tokenVerifier } from '../auth/jwt.js';
import { AppError } from '../errors.js';
import { loginBody, signupBody } from '../schemas.js';
import { parseBody } from '../validate.js';
import type { AppDeps } from '../deps.js';
import type { LoginRecord } from '../../db/repositories/login-history.js';
import { Routes } from './table.js';

/** 429 with Retry-After when the throttle says no. */
function enforce(verdict: Verdict): void {
  if (verdict.ok) return;
  const after = verdict.retryAfterSeconds;
  throw new AppError(429, 'TOO_MANY_ATTEMPTS', `too many attempts; try again in ${after} s`, { retryAfterSeconds: after }, { 'Retry-After': String(after) });
}

/** Runs a login or signup; when too many wait for the password hash, 503 with Retry-After at once. */
async function hashed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof SlotsFull)) throw err;
    const after = err.retryAfterSeconds;
    throw new AppError(503, 'TOO_BUSY', `too many sign-ins are being checked; try again in ${after} s`, { retryAfterSeconds: after }, { 'Retry-After': String(after) });
  }
}

export function authRoutes(deps: AppDeps): Routes {
  const router = new Routes(deps.guard, '/auth');
  const { throttle, sessions } = deps;
  const auth = { db: deps.db, recordLogin: (r: LoginRecord) => deps.actors.history.recordLogin(r) };
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: deps.config.production, path: '/', overwrite: true };
  const readToken = tokenVerifier(deps.jwtSecret);

  router.post('/signup', 'public', async (ctx) => {
    const input = await parseBody(ctx, signupBody);
    const address = ctx.ip;
    enforce(await throttle.maySignUp(address));
    const result = await hashed(() => signup(auth, input));
    if (!result.ok) {
      // Asking whether an email exists costs the same as guessing a password.
      await throttle.emailTaken(address);
      throw new AppError(409, 'EMAIL_TAKEN', 'an account with this email exists');
    }
    ctx.status = 201;
    ctx.body = result.user;
  });

  router.post('/login', 'public', async (ctx) => {
    const input = await parseBody(ctx, loginBody);
    const address = ctx.ip;
    const attempt = await throttle.beginLogin(input.email, address);
    enforce(attempt.verdict);
    let result: Awaited<ReturnType<typeof login>>;
    try {
      result = await hashed(() => login(auth, { ...input, ip: address || null, userAgent: ctx.get('user-agent') || null }));
    } catch (err) {
      await attempt.settle('unchecked');
      throw err;
    }
    await attempt.settle(result.ok ? 'succeeded' : 'failed');
    if (!result.ok) throw new AppError(401, 'INVALID_CREDENTIALS', 'the email or password is wrong');
    const token = signToken({ sub: result.user.id, role: result.user.role }, deps.jwtSecret, deps.config.jwtTtlSeconds);
    ctx.cookies.set(TOKEN_COOKIE, token, { ...cookieOptions, maxAge: deps.config.jwtTtlSeconds * 1000 });
    ctx.body = { token, user: result.user };
  });

  // Public, so that a client whose token is already invalid can still clear its cookie; a valid token's session ends for good.
  router.post('/logout', 'public', async (ctx) => {
    const header = ctx.get('authorization');
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : ctx.cookies.get(TOKEN_COOKIE);
    const claims = token ? readToken(token) : null;
    if (claims) await sessions.revoke(claims.sub, claims.sid, new Date(claims.exp * 1000));
    ctx.cookies.set(TOKEN_COOKIE, '', { ...cookieOptions, maxAge: 0 });
    ctx.status = 204;
  });

  router.get('/me', 'user', async (ctx) => {
    const user = await me(auth, callerOf(ctx).userId);
    if (!user) throw new AppError(401, 'UNAUTHORIZED', 'this account no longer exists');
    ctx.body = user;
  });

  return router;
}
