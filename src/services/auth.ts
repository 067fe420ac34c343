import type { Db } from '../db/knex.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { isDatabaseDown } from '../db/outage.js';
import { findUserByEmail, findUserById, insertUser, type User, type UserWithHash } from '../db/repositories/users.js';
import type { LoginRecord } from '../db/repositories/login-history.js';
import { refuse } from '../errors/catalogue.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password.js';
import { Slots } from './slots.js';
import { userCacheFor, type UserCache } from './user-cache.js';

export interface AuthDeps {
  db: Db;
  /** Resolves once the attempt is safe from a crash (journaled); the login answers after that. */
  recordLogin: (record: LoginRecord) => void | Promise<void>;
  /** Recent logins, to serve while the database is down; by default one cache per pool. */
  users?: UserCache;
}

export type SignupResult = { ok: true; user: User } | { ok: false; code: 'EMAIL_TAKEN' };
export type LoginResult = { ok: true; user: User } | { ok: false; code: 'INVALID_CREDENTIALS' };

/**
 * Password hashing is the bottleneck of signups and logins (scrypt, on libuv's thread pool). A storm
 * of signups waits here, before touching the database, rather than in the connection pool, whose
 * short acquire timeout is meant for outages: twice the thread pool keeps it busy. A login's lookup
 * is one short read and comes first (see `login`).
 */
const hashing = new Slots(2 * (Number(process.env.UV_THREADPOOL_SIZE) || 4));

/** Past this many logins and signups waiting for the hash, the next is refused at once (SlotsFull). */
export const boundHashQueue = (maxWaiting: number): void => hashing.bound(maxWaiting);

const databaseUnavailable = () => refuse('DATABASE_UNAVAILABLE');

/** Runs a database call; an unreachable database becomes 503 DATABASE_UNAVAILABLE instead of a 500. */
async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw isDatabaseUnavailable(err) ? databaseUnavailable() : err;
  }
}

export const signup = (deps: AuthDeps, input: { email: string; password: string; name: string }): Promise<SignupResult> => hashing.run(() => signupNow(deps, input));

async function signupNow(deps: AuthDeps, input: { email: string; password: string; name: string }): Promise<SignupResult> {
  if (await orUnavailable(findUserByEmail(deps.db, input.email))) return { ok: false, code: 'EMAIL_TAKEN' };
  const passwordHash = await hashPassword(input.password);
  const user = await orUnavailable(insertUser(deps.db, { email: input.email, passwordHash, name: input.name, role: 'USER' }));
  return user ? { ok: true, user } : { ok: false, code: 'EMAIL_TAKEN' };
}

type LoginInput = { email: string; password: string; ip: string | null; userAgent: string | null };

/**
 * Login lookups at once: as many as the hashing slots let through when the lookup ran inside them,
 * so a storm of logins queues here rather than past the pool's short acquire timeout.
 */
const LOOKUP_SLOTS = 2 * (Number(process.env.UV_THREADPOOL_SIZE) || 4);
const lookups = new Slots(LOOKUP_SLOTS);

/** The lookup was not even tried: the database is known to be away and every lookup slot is taken. */
class KnownDown extends Error {}

/** While the database is known to be away, a login that would wait for a lookup slot goes to the cache at once. */
function lookUp(db: Db, email: string): Promise<UserWithHash | null> {
  const { running } = lookups.stats();
  if (running >= LOOKUP_SLOTS && isDatabaseDown(db)) return Promise.reject(new KnownDown());
  return lookups.run(() => findUserByEmail(db, email));
}

/**
 * Checks the password; every attempt, good or bad, is recorded: in the login journal on disk before
 * the answer, in the database later, in a batch.
 * While the database is unreachable, users who logged in recently are checked against the cache;
 * anyone else gets 503 DATABASE_UNAVAILABLE (and the attempt is still recorded).
 * The user is looked up before taking a hashing slot: a stalled database then costs a login at
 * most the query timeout (or nothing, once the outage is known) before it falls back to the
 * cache, and never keeps a hashing slot from logins that could be checked meanwhile.
 */
export async function login(deps: AuthDeps, input: LoginInput): Promise<LoginResult> {
  const users = deps.users ?? userCacheFor(deps.db);
  const record = (found: UserWithHash | null, success: boolean) =>
    deps.recordLogin({ userId: found?.id ?? null, email: input.email.slice(0, 254), success, ip: input.ip, userAgent: input.userAgent?.slice(0, 512) ?? null, at: new Date() });

  // Past the queue's bound the login is refused before its lookup: under a flood a shed attempt costs no query.
  hashing.admit();
  let found: UserWithHash | null;
  let fromDatabase = true;
  try {
    found = await lookUp(deps.db, input.email);
  } catch (err) {
    if (!(err instanceof KnownDown) && !isDatabaseUnavailable(err)) throw err;
    found = users.recall(input.email);
    fromDatabase = false;
    if (!found) {
      await record(null, false);
      throw databaseUnavailable();
    }
  }
  // The journal's sync is awaited after the hashing slot is given back, not while holding it.
  let recorded: void | Promise<void> = undefined;
  const result = await hashing.run(() => checkPassword(users, input, found, fromDatabase, (f, success) => void (recorded = record(f, success))));
  await recorded;
  return result;
}

async function checkPassword(
  users: UserCache,
  input: LoginInput,
  found: UserWithHash | null,
  fromDatabase: boolean,
  record: (found: UserWithHash | null, success: boolean) => void,
): Promise<LoginResult> {
  // Unknown emails cost a hash too, so response time does not tell which emails exist.
  const valid = await verifyPassword(input.password, found?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  const success = Boolean(found) && valid;
  record(found, success);
  // The cache follows the database: a gone account or a changed password drops the entry.
  if (fromDatabase) {
    if (found && success) users.remember(found);
    else if (!found || users.recall(input.email)?.passwordHash !== found.passwordHash) users.forget(input.email);
  }
  if (!found || !success) return { ok: false, code: 'INVALID_CREDENTIALS' };
  const { passwordHash: _, ...user } = found;
  return { ok: true, user };
}

export const me = (deps: AuthDeps, userId: number) => orUnavailable(findUserById(deps.db, userId));
