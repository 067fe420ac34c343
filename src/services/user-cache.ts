import { BoundedMap } from '../cache/bounded-map.js';
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
  private readonly entries: BoundedMap<string, { user: UserWithHash; at: number }>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: { max?: number; ttlMs?: number; now?: () => number } = {}) {
    this.entries = new BoundedMap(opts.max ?? USER_CACHE_MAX);
    this.ttlMs = opts.ttlMs ?? USER_CACHE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  remember(user: UserWithHash): void {
    this.entries.set(keyOf(user.email), { user, at: this.now() });
  }

  recall(email: string): UserWithHash | null {
    const key = keyOf(email);
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this.now() - entry.at > this.ttlMs) {
      this.entries.delete(key);
      return null;
    }
    // Used again: the newest, so the least recently used go first.
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
