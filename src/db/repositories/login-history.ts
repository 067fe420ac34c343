import type { Db } from '../knex.js';

export interface LoginRecord {
  userId: number | null;
  email: string;
  success: boolean;
  ip: string | null;
  userAgent: string | null;
  at: Date;
  /** The login journal's id for this login (see actors/history/login-journal.ts). */
  journalId?: string;
}

/** One multi-row INSERT for a batch; a login already written under its journal id is skipped. */
export async function insertLoginHistory(db: Db, records: LoginRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db('login_history')
    .insert(records.map((r) => ({ user_id: r.userId, email: r.email, success: r.success, ip: r.ip, user_agent: r.userAgent, created_at: r.at, journal_id: r.journalId ?? null })))
    .onConflict('journal_id')
    .ignore();
}

export async function listLoginHistory(db: Db, filter: { userId?: number; limit: number }): Promise<(LoginRecord & { id: number })[]> {
  const q = db('login_history').select('*').orderBy('id', 'desc').limit(filter.limit);
  if (filter.userId !== undefined) q.where('user_id', filter.userId);
  const rows = await q;
  return rows.map((r) => ({ id: r.id, userId: r.user_id, email: r.email, success: r.success, ip: r.ip, userAgent: r.user_agent, at: r.created_at }));
}
