import { BoundedMap } from '../cache/bounded-map.js';
import type { Db } from '../db/knex.js';
import type { Role } from '../db/models/index.js';
import { lastRevocationId, pruneRevocations, revocationsSince, revokeSession, rolesOf } from '../db/repositories/sessions.js';

/** Who a signed-in request acts for, as the database says now. */
export interface Authority {
  userId: number;
  role: Role;
}

export interface SessionsOptions {
  /** A user's role and existence are never trusted from memory older than this (default 5 s). */
  freshMs?: number;
  /** How often revocations made by other processes are read (default 1 s). */
  syncMs?: number;
  /** Users remembered at most (default 100,000; the oldest checked go first). */
  maxUsers?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

interface UserEntry {
  /** null: the account no longer exists. */
  authority: Authority | null;
  checkedAt: number;
}

type Lookup = { userId: number; resolve: (e: UserEntry) => void; reject: (err: unknown) => void };

/**
 * Sessions that can end. A token names its session (`sid`); logout writes the sid to
 * `revoked_sessions`, which every process reads once a `syncMs`. Each request's user is checked
 * against the database: role and existence are remembered for at most `freshMs`, re-read in the
 * background (one statement for every user due) once half that old, so a busy user never waits and
 * a demotion or deletion reaches every process within `freshMs`. An answer is synchronous when it
 * comes from memory: the hot path pays two Map lookups.
 */
export class Sessions {
  private readonly revoked = new Map<string, number>();
  private readonly users: BoundedMap<number, UserEntry>;
  private readonly due = new Set<number>();
  private lookups: Lookup[] = [];
  private lastId = 0;
  private synced: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly freshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly options: SessionsOptions = {},
  ) {
    this.freshMs = options.freshMs ?? 5_000;
    this.users = new BoundedMap(options.maxUsers ?? 100_000);
    this.now = options.now ?? Date.now;
    const syncMs = options.syncMs ?? 1_000;
    this.timers.push(setInterval(() => void this.sync().catch(this.report), syncMs));
    this.timers.push(setInterval(() => void this.refreshDue(), Math.max(10, Math.floor(this.freshMs / 10))));
    this.timers.push(setInterval(() => void pruneRevocations(this.db).catch(this.report), 3_600_000));
    for (const t of this.timers) t.unref();
  }

  /**
   * The user's authority for this session, or null when the session ended or the account is gone.
   * Rejects (database unavailable) only when the user has not been checked within `freshMs`.
   */
  authority(userId: number, sid: string): Authority | null | Promise<Authority | null> {
    if (!this.synced) return this.sync().then(() => this.authority(userId, sid));
    if (this.revoked.has(sid)) return null;
    const entry = this.users.get(userId);
    const now = this.now();
    if (entry && now - entry.checkedAt < this.freshMs) {
      if (now - entry.checkedAt > this.freshMs / 2) this.due.add(userId);
      return entry.authority;
    }
    return this.lookUp(userId).then((e) => (this.revoked.has(sid) ? null : e.authority));
  }

  /** Ends the session here at once, and everywhere within `syncMs`. */
  async revoke(userId: number, sid: string, expiresAt: Date): Promise<void> {
    await revokeSession(this.db, { sid, userId, expiresAt });
    this.revoked.set(sid, expiresAt.getTime());
  }

  /** Forgets what is known of the user, so the next request reads them again (after a role change here). */
  forget(userId: number): void {
    this.users.delete(userId);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  private report = (err: unknown) => this.options.onError?.(err);

  /** The first call loads the live revocations; later ones read what was added since. */
  private sync(): Promise<void> {
    const first = !this.synced;
    const run = (async () => {
      for (;;) {
        const rows = await revocationsSince(this.db, this.lastId);
        for (const r of rows) this.revoked.set(r.sid, r.expiresAt.getTime());
        if (rows.length > 0) this.lastId = rows[rows.length - 1]!.id;
        if (rows.length < 10_000) break;
      }
      // Expired revocations are skipped by the query, so the last id read may be older than the newest row.
      this.lastId = Math.max(this.lastId, first ? await lastRevocationId(this.db) : 0);
      const now = this.now();
      for (const [sid, expires] of this.revoked) if (expires <= now) this.revoked.delete(sid);
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

  private lookUp(userId: number): Promise<UserEntry> {
    return new Promise((resolve, reject) => {
      if (this.lookups.push({ userId, resolve, reject }) === 1) setImmediate(() => void this.flushLookups());
    });
  }

  private async flushLookups(): Promise<void> {
    const batch = this.lookups;
    this.lookups = [];
    try {
      const found = await this.read([...new Set(batch.map((l) => l.userId))]);
      for (const l of batch) l.resolve(found.get(l.userId)!);
    } catch (err) {
      for (const l of batch) l.reject(err);
    }
  }

  private async refreshDue(): Promise<void> {
    if (this.due.size === 0) return;
    const ids = [...this.due];
    this.due.clear();
    await this.read(ids).catch(this.report);
  }

  private async read(userIds: number[]): Promise<Map<number, UserEntry>> {
    const checkedAt = this.now();
    const roles = await rolesOf(this.db, userIds);
    const entries = new Map<number, UserEntry>();
    for (const id of userIds) {
      const role = roles.get(id);
      const entry = { authority: role ? { userId: id, role } : null, checkedAt };
      entries.set(id, entry);
      this.users.set(id, entry);
    }
    return entries;
  }
}
