import { BoundedMap } from '../cache/bounded-map.js';
import type { Db } from '../db/knex.js';
import type { Role } from '../db/models/index.js';
import { lastRevocationId, pruneRevocations, pruneUserChanges, revocationsSince, revokeSession, rolesOf, userChangesSince, type UserChange } from '../db/repositories/sessions.js';

/** Who a signed-in request acts for, as the database says now. */
export interface Authority {
  userId: number;
  role: Role;
}

export interface SessionsOptions {
  /** Authority is never decided on a picture of the database older than this (default 5 s). */
  freshMs?: number;
  /** How often revocations and user changes made anywhere are read (default 1 s). */
  syncMs?: number;
  /** The longest a token lives: older changes cannot matter (default 24 h). */
  tokenTtlSeconds?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

type Lookup = { userId: number; resolve: (a: Authority | null) => void; reject: (err: unknown) => void };

/** A change whose transaction commits this much later than it was made is still seen. */
const FEED_OVERLAP_MS = 60_000;
const PAGE = 10_000;
const MAX_CONFIRMED = 10_000;

/**
 * Sessions that can end, and authority the database decides. A token names its session (`sid`) and
 * the role its user had at sign-in. Every `syncMs` each process reads two feeds: sessions ended by
 * logout (`revoked_sessions`) and role changes and deletions (`user_changes`, written by a trigger
 * on `users`, however the change is made). A USER token's user exists and is a USER unless the feed
 * has a newer word on them, so a plain user's request waits on no read; a claim of ADMIN is checked
 * against the database once and believed until the feed changes the user. A logout, demotion or
 * deletion reaches every process within `syncMs`. A token for a user newer than the newest user
 * this process has seen is read from the database. When the feeds could not be read for `freshMs`,
 * every request reads its user instead (and an outage answers 503), so a stale picture never grants.
 */
export class Sessions {
  private readonly revoked = new Map<string, number>();
  /** The feed's last word on each changed user, for as long as a token issued before it can live. */
  private readonly changed = new Map<number, UserChange>();
  /** Roles above USER read from the database for users the feed has no word on since. */
  private readonly confirmed = new BoundedMap<number, Role>(MAX_CONFIRMED);
  private maxUserId = 0;
  private feedSince: Date | null = null;
  private syncedAt = Number.NEGATIVE_INFINITY;
  private lookups: Lookup[] = [];
  private lastId = 0;
  private synced: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly freshMs: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly options: SessionsOptions = {},
  ) {
    this.freshMs = options.freshMs ?? 5_000;
    this.ttlMs = (options.tokenTtlSeconds ?? 86_400) * 1000;
    this.now = options.now ?? Date.now;
    const syncMs = options.syncMs ?? 1_000;
    this.timers.push(setInterval(() => void this.sync().catch(this.report), syncMs));
    this.timers.push(
      setInterval(() => {
        void pruneRevocations(this.db).catch(this.report);
        void pruneUserChanges(this.db, this.ttlMs / 1000 + FEED_OVERLAP_MS / 1000).catch(this.report);
      }, 3_600_000),
    );
    for (const t of this.timers) t.unref();
  }

  /**
   * The authority of this session, or null when the session ended or the account is gone. `claimed`
   * is the role the token carries. Rejects (database unavailable) only when the feeds are stale.
   */
  authority(userId: number, sid: string, claimed: Role): Authority | null | Promise<Authority | null> {
    if (!this.synced) return this.sync().then(() => this.authority(userId, sid, claimed));
    if (this.revoked.has(sid)) return null;
    if (this.now() - this.syncedAt > this.freshMs || userId > this.maxUserId) return this.read(userId, sid);
    const change = this.changed.get(userId);
    if (change) return change.role ? { userId, role: change.role } : null;
    // USER grants nothing but being signed in; a claim of more is believed only from the database.
    if (claimed === 'USER') return { userId, role: claimed };
    const role = this.confirmed.get(userId);
    return role ? { userId, role } : this.read(userId, sid);
  }

  /** Ends the session here at once, and everywhere within `syncMs`. */
  async revoke(userId: number, sid: string, expiresAt: Date): Promise<void> {
    await revokeSession(this.db, { sid, userId, expiresAt });
    this.revoked.set(sid, expiresAt.getTime());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  private report = (err: unknown) => this.options.onError?.(err);

  /** The first call loads the live revocations and changes; later ones read what was added since. */
  private sync(): Promise<void> {
    const first = !this.synced;
    const run = (async () => {
      const started = this.now();
      await this.readRevocations(first);
      await this.readChanges();
      this.syncedAt = started;
    })();
    if (first) {
      // Until the first load succeeds, every call tries it again (and an outage answers 503).
      this.synced = run;
      run.catch(() => {
        if (this.synced === run) this.synced = undefined;
      });
    }
    return run;
  }

  private async readRevocations(first: boolean): Promise<void> {
    for (;;) {
      const rows = await revocationsSince(this.db, this.lastId, PAGE);
      for (const r of rows) this.revoked.set(r.sid, r.expiresAt.getTime());
      if (rows.length > 0) this.lastId = rows[rows.length - 1]!.id;
      if (rows.length < PAGE) break;
    }
    // Expired revocations are skipped by the query, so the last id read may be older than the newest row.
    this.lastId = Math.max(this.lastId, first ? await lastRevocationId(this.db) : 0);
    const now = this.now();
    for (const [sid, expires] of this.revoked) if (expires <= now) this.revoked.delete(sid);
  }

  private async readChanges(): Promise<void> {
    let afterId = 0;
    let readAt: Date | undefined;
    for (;;) {
      const page = await userChangesSince(this.db, this.feedSince, afterId, PAGE);
      readAt ??= page.readAt;
      this.maxUserId = Math.max(this.maxUserId, page.maxUserId);
      for (const c of page.changes) {
        const known = this.changed.get(c.userId);
        if (!known || known.id < c.id) this.changed.set(c.userId, c);
        this.confirmed.delete(c.userId);
      }
      if (page.changes.length < PAGE) break;
      afterId = page.changes[page.changes.length - 1]!.id;
    }
    this.feedSince = new Date(readAt.getTime() - FEED_OVERLAP_MS);
    const horizon = this.now() - this.ttlMs - FEED_OVERLAP_MS;
    for (const [userId, c] of this.changed) if (c.at.getTime() < horizon) this.changed.delete(userId);
  }

  /** The user's authority as the database says now (one statement for every request of a turn). */
  private read(userId: number, sid: string): Promise<Authority | null> {
    return new Promise<Authority | null>((resolve, reject) => {
      if (this.lookups.push({ userId, resolve, reject }) === 1) setImmediate(() => void this.flushLookups());
    }).then((a) => (this.revoked.has(sid) ? null : a));
  }

  private async flushLookups(): Promise<void> {
    const batch = this.lookups;
    this.lookups = [];
    try {
      const roles = await rolesOf(this.db, [...new Set(batch.map((l) => l.userId))]);
      for (const [userId, role] of roles) this.remember(userId, role);
      for (const l of batch) {
        const role = roles.get(l.userId);
        l.resolve(role ? { userId: l.userId, role } : null);
      }
    } catch (err) {
      for (const l of batch) l.reject(err);
    }
  }

  private remember(userId: number, role: Role): void {
    if (role === 'USER' || this.changed.has(userId)) return;
    this.confirmed.set(userId, role);
  }
}
