import type { Db } from '../db/knex.js';
import type { UserWithHash } from '../db/repositories/users.js';

export const USER_CACHE_MAX = 10_000;
export const USER_CACHE_TTL_MS = 10 * 60 * 1000;

/**
 * Users who logged in recently (email → id, password hash, role, name), so that they can still log
 * in while the database is unreachable. Only ever filled from a successful login checked against
 * the database, only read when the database cannot be reached. Bounded: least recently used
 * entries go first, and an entry older than the TTL is never served.
 */
export class UserCache {
  private readonly entries = new Map<string, { user: UserWithHash; at: number }>();
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: { max?: number; ttlMs?: number; now?: () => number } = {}) {
    this.max = opts.max ?? USER_CACHE_MAX;
    this.ttlMs = opts.ttlMs ?? USER_CACHE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  remember(user: UserWithHash): void {
    const key = keyOf(user.email);
    this.entries.delete(key);
    this.entries.set(key, { user, at: this.now() });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  recall(email: string): UserWithHash | null {
    const key = keyOf(email);
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    if (this.now() - entry.at > this.ttlMs) return null;
    this.entries.set(key, entry);
    return entry.user;
  }

  forget(email: string): void {
    this.entries.delete(keyOf(email));
  }

  get size(): number {
    return this.entries.size;
  }
}

// Emails are unique case-insensitively (the users table's unique index is on lower(email)).
const keyOf = (email: string) => email.toLowerCase();

const perDatabase = new WeakMap<Db, UserCache>();

/** The cache for users of this database (one per pool, so two services in one process do not share it). */
export function userCacheFor(db: Db): UserCache {
  let cache = perDatabase.get(db);
  if (!cache) {
    cache = new UserCache();
    perDatabase.set(db, cache);
  }
  return cache;
}
