import type { Db } from '../db/knex.js';
import { findUserByEmail, findUserById, insertUser, type User } from '../db/repositories/users.js';
import type { LoginRecord } from '../db/repositories/login-history.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password.js';

export interface AuthDeps {
  db: Db;
  recordLogin: (record: LoginRecord) => void;
}

export type SignupResult = { ok: true; user: User } | { ok: false; code: 'EMAIL_TAKEN' };
export type LoginResult = { ok: true; user: User } | { ok: false; code: 'INVALID_CREDENTIALS' };

export async function signup(deps: AuthDeps, input: { email: string; password: string; name: string }): Promise<SignupResult> {
  if (await findUserByEmail(deps.db, input.email)) return { ok: false, code: 'EMAIL_TAKEN' };
  const user = await insertUser(deps.db, { email: input.email, passwordHash: await hashPassword(input.password), name: input.name, role: 'USER' });
  return user ? { ok: true, user } : { ok: false, code: 'EMAIL_TAKEN' };
}

/** Checks the password; every attempt, good or bad, is recorded without waiting for the write. */
export async function login(deps: AuthDeps, input: { email: string; password: string; ip: string | null; userAgent: string | null }): Promise<LoginResult> {
  const found = await findUserByEmail(deps.db, input.email);
  // Unknown emails cost a hash too, so response time does not tell which emails exist.
  const valid = await verifyPassword(input.password, found?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  const success = Boolean(found) && valid;
  deps.recordLogin({ userId: found?.id ?? null, email: input.email.slice(0, 254), success, ip: input.ip, userAgent: input.userAgent?.slice(0, 512) ?? null, at: new Date() });
  if (!found || !success) return { ok: false, code: 'INVALID_CREDENTIALS' };
  const { passwordHash: _, ...user } = found;
  return { ok: true, user };
}

export const me = (deps: AuthDeps, userId: number) => findUserById(deps.db, userId);
