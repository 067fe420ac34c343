import Router from '@koa/router';
import type { Context } from 'koa';
import { login, me, signup } from '../../services/auth.js';
import { callerOf, signedIn, TOKEN_COOKIE } from '../auth/middleware.js';
import { signToken } from '../auth/jwt.js';
import { AppError } from '../errors.js';
import { loginBody, signupBody } from '../schemas.js';
import { parseBody } from '../validate.js';
import type { AppDeps } from '../deps.js';
import type { LoginRecord } from '../../db/repositories/login-history.js';

export function authRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/auth' });
  const auth = { db: deps.db, recordLogin: (r: LoginRecord) => deps.actors.history.recordLogin(r) };
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: deps.config.production, path: '/', overwrite: true };

  router.post('/signup', async (ctx) => {
    const input = await parseBody(ctx, signupBody);
    const result = await signup(auth, input);
    if (!result.ok) throw new AppError(409, 'EMAIL_TAKEN', 'an account with this email exists');
    ctx.status = 201;
    ctx.body = result.user;
  });

  router.post('/login', async (ctx: Context) => {
    const input = await parseBody(ctx, loginBody);
    const result = await login(auth, { ...input, ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null });
    if (!result.ok) throw new AppError(401, 'INVALID_CREDENTIALS', 'the email or password is wrong');
    const token = signToken({ sub: result.user.id, role: result.user.role }, deps.jwtSecret, deps.config.jwtTtlSeconds);
    ctx.cookies.set(TOKEN_COOKIE, token, { ...cookieOptions, maxAge: deps.config.jwtTtlSeconds * 1000 });
    ctx.body = { token, user: result.user };
  });

  router.post('/logout', async (ctx) => {
    ctx.cookies.set(TOKEN_COOKIE, '', { ...cookieOptions, maxAge: 0 });
    ctx.status = 204;
  });

  router.get('/me', signedIn(deps.jwtSecret)(async (ctx) => {
    const user = await me(auth, callerOf(ctx).userId);
    if (!user) throw new AppError(401, 'UNAUTHORIZED', 'this account no longer exists');
    ctx.body = user;
  }));

  return router;
}
