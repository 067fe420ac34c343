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
