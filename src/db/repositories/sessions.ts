import type { Knex } from 'knex';
import type { Db } from '../knex.js';
import type { Role } from '../models/index.js';

export interface Revocation {
  id: number;
  sid: string;
  expiresAt: Date;
}

/** Ends a session for good (idempotent). */
export async function revokeSession(db: Db, r: { sid: string; userId: number; expiresAt: Date }): Promise<void> {
  await db.raw('INSERT INTO revoked_sessions (sid, user_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (sid) DO NOTHING', [r.sid, r.userId, r.expiresAt]);
}

/** Revocations after `afterId` whose tokens have not expired yet, oldest first. */
export async function revocationsSince(db: Db, afterId: number, limit = 10_000): Promise<Revocation[]> {
  const { rows } = await db.raw<{ rows: { id: string | number; sid: string; expires_at: Date }[] }>(
    'SELECT id, sid, expires_at FROM revoked_sessions WHERE id > ? AND expires_at > now() ORDER BY id LIMIT ?',
    [afterId, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), sid: r.sid, expiresAt: r.expires_at }));
}

/** The newest revocation id: where a process that already knows every live revocation goes on from. */
export async function lastRevocationId(db: Db): Promise<number> {
  const { rows } = await db.raw<{ rows: { id: string | number | null }[] }>('SELECT max(id) AS id FROM revoked_sessions');
  return Number(rows[0]?.id ?? 0);
}

/** Revocations whose tokens have expired anyway. */
export async function pruneRevocations(db: Db): Promise<number> {
  const { rowCount } = await db.raw<{ rowCount: number }>('DELETE FROM revoked_sessions WHERE expires_at <= now()');
  return rowCount;
}

/** The current role of each of these users that still exists. */
export async function rolesOf(db: Db | Knex.Transaction, userIds: number[]): Promise<Map<number, Role>> {
  const { rows } = await db.raw<{ rows: { id: string | number; role: Role }[] }>('SELECT id, role FROM users WHERE id = ANY(?::bigint[])', [userIds]);
  return new Map(rows.map((r) => [Number(r.id), r.role]));
}

export interface UserChange {
  id: number;
  userId: number;
  /** null: the account was deleted. */
  role: Role | null;
  at: Date;
}

/**
 * Role changes and deletions recorded since `since` (the database's clock), oldest first, with the
 * database's time of the read: the next read goes on from a little before it, so a change whose
 * transaction committed late is still seen (re-reading one is harmless). `afterId` pages on.
 */
export async function userChangesSince(db: Db, since: Date | null, afterId = 0, limit = 10_000): Promise<{ changes: UserChange[]; readAt: Date; maxUserId: number }> {
  const { rows } = await db.raw<{ rows: { id: string | number | null; user_id: string | number | null; role: Role | null; changed_at: Date; read_at: Date; max_user: string | number | null }[] }>(
    `SELECT c.id, c.user_id, c.role, c.changed_at, r.read_at, r.max_user
       FROM (SELECT clock_timestamp() AS read_at, (SELECT max(id) FROM users) AS max_user) r
       LEFT JOIN LATERAL (
         SELECT id, user_id, role, changed_at FROM user_changes WHERE changed_at > coalesce(?::timestamptz, '-infinity') AND id > ? ORDER BY id LIMIT ?
       ) c ON true`,
    [since, afterId, limit],
  );
  const first = rows[0]!;
  return {
    changes: rows.filter((r) => r.id !== null).map((r) => ({ id: Number(r.id), userId: Number(r.user_id), role: r.role, at: r.changed_at })),
    readAt: first.read_at,
    maxUserId: Number(first.max_user ?? 0),
  };
}

/** Changes older than any token that could still be in use. */
export async function pruneUserChanges(db: Db, olderThanSeconds: number): Promise<number> {
  const { rowCount } = await db.raw<{ rowCount: number }>('DELETE FROM user_changes WHERE changed_at < now() - make_interval(secs => ?)', [olderThanSeconds]);
  return rowCount;
}
