import { DEMO_ACCOUNTS } from '../../db/seed.js';
import type { LoginRecord } from '../../db/repositories/login-history.js';
import { refuse } from '../../errors/catalogue.js';
import { login, me, signup, type AuthDeps } from '../../services/auth.js';
import { SlotsFull } from '../../services/slots.js';
import type { Verdict } from '../../services/throttle.js';
import { signToken, tokenVerifier } from '../auth/jwt.js';
import { callerOf, TOKEN_COOKIE } from '../auth/middleware.js';
import { loginAnswer, user } from '../bodies.js';
import type { AppDeps } from '../deps.js';
import { loginBody, signupBody } from '../schemas.js';
import { operation } from './table.js';

/**
 * 429 with Retry-After when the throttle says no, answered after `delayMs` (at most the
 * Retry-After). A guesser that does not wait then sends one attempt a delay per connection: a
 * flood of them answered at once would keep the event loop so busy that Node stops accepting new
 * connections (libuv serves the sockets it has first), and a real user's login would wait for the
 * flood to end.
 */
async function enforce(verdict: Verdict, delayMs: number): Promise<void> {
  if (verdict.ok) return;
  const after = verdict.retryAfterSeconds;
  await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, after * 1000)));
  throw refuse('TOO_MANY_ATTEMPTS', `too many attempts; try again in ${after} s`, { retryAfterSeconds: after });
}

/** Runs a login or signup; when too many wait for the password hash, 503 with Retry-After at once. */
async function hashed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof SlotsFull)) throw err;
    const after = err.retryAfterSeconds;
    throw refuse('TOO_BUSY', `too many sign-ins are being checked; try again in ${after} s`, { retryAfterSeconds: after });
  }
}

const authDeps = (deps: AppDeps): AuthDeps => ({ db: deps.db, recordLogin: (r: LoginRecord) => deps.logins.record(r) });
const cookieOptions = (deps: AppDeps) => ({ httpOnly: true, sameSite: 'lax' as const, secure: deps.config.production, path: '/', overwrite: true });
const tags = ['Auth'];

export const AUTH = [
  operation({
    method: 'post',
    path: '/auth/signup',
    access: 'public',
    summary: 'Create an account',
    tags,
    body: signupBody,
    bodyExamples: { newUser: { summary: 'a new account', value: { email: 'kim@example.com', password: 'correct-horse-42', name: 'Kim' } } },
    responses: { 201: { description: 'the account, role USER', schema: user } },
    errors: ['EMAIL_TAKEN', 'TOO_MANY_ATTEMPTS', 'TOO_BUSY', 'DATABASE_UNAVAILABLE'],
    handler: (deps) => {
      const auth = authDeps(deps);
      return async (ctx, { body }) => {
        const address = ctx.ip;
        await enforce(await deps.throttle.maySignUp(address), deps.config.loginRefusalDelayMs);
        const result = await hashed(() => signup(auth, body));
        if (!result.ok) {
          // Asking whether an email exists costs the same as guessing a password.
          await deps.throttle.emailTaken(address);
          throw refuse(result.code);
        }
        ctx.status = 201;
        ctx.body = result.user;
      };
    },
  }),
  operation({
    method: 'post',
    path: '/auth/login',
    access: 'public',
    summary: 'Sign in',
    description: 'Sets the `token` HttpOnly cookie as well. Every attempt goes to the login history. A fresh `npm start` seeds the two demo accounts shown in the examples.',
    tags,
    body: loginBody,
    bodyExamples: {
      demoUser: { summary: 'the demo user (seeded by npm start)', value: { email: DEMO_ACCOUNTS.user.email, password: DEMO_ACCOUNTS.user.password } },
      demoAdmin: { summary: 'the demo admin (seeded by npm start)', value: { email: DEMO_ACCOUNTS.admin.email, password: DEMO_ACCOUNTS.admin.password } },
    },
    responses: { 200: { description: 'signed in; the same token is set as the `token` cookie', schema: loginAnswer, headers: { 'Set-Cookie': 'token=<jwt>; HttpOnly; SameSite=Lax' } } },
    errors: ['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS', 'TOO_BUSY', 'DATABASE_UNAVAILABLE'],
    handler: (deps) => {
      const auth = authDeps(deps);
      const cookie = cookieOptions(deps);
      return async (ctx, { body }) => {
        const address = ctx.ip;
        const attempt = await deps.throttle.beginLogin(body.email, address);
        await enforce(attempt.verdict, deps.config.loginRefusalDelayMs);
        let result: Awaited<ReturnType<typeof login>>;
        try {
          result = await hashed(() => login(auth, { ...body, ip: address || null, userAgent: ctx.get('user-agent') || null }));
        } catch (err) {
          await attempt.settle('unchecked');
          throw err;
        }
        await attempt.settle(result.ok ? 'succeeded' : 'failed');
        if (!result.ok) throw refuse(result.code);
        const token = signToken({ sub: result.user.id, role: result.user.role }, deps.jwtSecret, deps.config.jwtTtlSeconds);
        ctx.cookies.set(TOKEN_COOKIE, token, { ...cookie, maxAge: deps.config.jwtTtlSeconds * 1000 });
        ctx.body = { token, user: result.user };
      };
    },
  }),
  operation({
    method: 'post',
    path: '/auth/logout',
    access: 'public',
    summary: 'Sign out (clears the cookie)',
    description: 'Public, so that a client whose token is already invalid can still clear its cookie; a valid token’s session ends for good, on every instance.',
    tags,
    responses: { 204: { description: 'the cookie is cleared' } },
    errors: ['DATABASE_UNAVAILABLE'],
    handler: (deps) => {
      const cookie = cookieOptions(deps);
      const readToken = tokenVerifier(deps.jwtSecret);
      return async (ctx) => {
        const header = ctx.get('authorization');
        const token = header.startsWith('Bearer ') ? header.slice(7).trim() : ctx.cookies.get(TOKEN_COOKIE);
        const claims = token ? readToken(token) : null;
        // The cookie goes even if the database cannot take the revocation now (then 503: try again).
        ctx.cookies.set(TOKEN_COOKIE, '', { ...cookie, maxAge: 0 });
        if (claims) await deps.sessions.revoke(claims.sub, claims.sid, new Date(claims.exp * 1000));
        ctx.status = 204;
      };
    },
  }),
  operation({
    method: 'get',
    path: '/auth/me',
    access: 'user',
    summary: 'The signed-in user',
    tags,
    responses: { 200: { description: 'the caller', schema: user } },
    handler: (deps) => {
      const auth = authDeps(deps);
      return async (ctx) => {
        const found = await me(auth, callerOf(ctx).userId);
        if (!found) throw refuse('UNAUTHORIZED', 'this account no longer exists');
        ctx.body = found;
      };
    },
  }),
];
