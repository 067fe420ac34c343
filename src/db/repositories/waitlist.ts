import type { Db } from '../knex.js';

/** WAITING until offered; OFFERED holds the slot until `offerExpiresAt`; ACCEPTED once reserved on the offer. */
export type WaitlistStatus = 'WAITING' | 'OFFERED' | 'ACCEPTED' | 'EXPIRED' | 'LEFT';

export interface WaitlistEntry {
  id: number;
  scheduleId: number;
  /** 1 for the next waiter to be offered; only for WAITING entries. */
  position: number | null;
  status: WaitlistStatus;
}

export type JoinOutcome =
  | { kind: 'joined' | 'already'; entry: WaitlistEntry }
  | { kind: 'refused'; code: 'SCHEDULE_NOT_FOUND' | 'SCHEDULE_IN_PAST' | 'SCHEDULE_AVAILABLE' | 'SCHEDULE_ALREADY_YOURS' }
  | { kind: 'limited'; max: number };

export interface JoinRequest {
  scheduleId: number;
  userId: number;
  /** The offer this entry will get, and the hold cap it is checked against (the joiner's settings). */
  offerTtlMs: number;
  maxHolds: number;
  /** Open (WAITING or OFFERED) entries the user may have. */
  maxEntries: number;
}

const OPEN = `status IN ('WAITING', 'OFFERED')`;

/** Positions are counted, not stored: leaving or being offered moves everyone behind up. */
const POSITION = `CASE WHEN e.status = 'WAITING' THEN (SELECT count(*) FROM waitlist_entries o WHERE o.schedule_id = e.schedule_id AND o.status = 'WAITING' AND o.id <= e.id)::int END`;

/**
 * Joins the schedule's list: one call of `join_waitlist` (see the waitlist migration). The user's
 * advisory lock serialises their joins (the cap); the schedule row's lock serialises the list's
 * joins (exact positions) and orders a join against the statement that frees the slot: either the
 * join commits first and that statement's offer sees it, or the join sees the slot AVAILABLE.
 */
export async function joinWaitlist(db: Db, j: JoinRequest): Promise<JoinOutcome> {
  const { rows } = await db.raw<{ rows: { outcome: string; entry_id: number | null; entry_status: WaitlistStatus | null; entry_position: number | null }[] }>(
    'SELECT outcome, entry_id, entry_status, entry_position FROM join_waitlist(?, ?, ?, ?, ?)',
    [j.scheduleId, j.userId, j.offerTtlMs, j.maxHolds, j.maxEntries],
  );
  const r = rows[0]!;
  if (r.outcome === 'joined' || r.outcome === 'already') {
    return { kind: r.outcome, entry: { id: r.entry_id!, scheduleId: j.scheduleId, position: r.entry_position, status: r.entry_status! } };
  }
  if (r.outcome === 'limited') return { kind: 'limited', max: j.maxEntries };
  return { kind: 'refused', code: r.outcome as Extract<JoinOutcome, { kind: 'refused' }>['code'] };
}

/** Leaves the list: the open entry (if any) becomes LEFT; says whether it held an offer, which the caller must then give up. */
export async function leaveWaitlist(db: Db, scheduleId: number, userId: number): Promise<{ left: boolean; wasOffered: boolean }> {
  const { rows } = await db.raw<{ rows: { was: WaitlistStatus }[] }>(
    `UPDATE waitlist_entries e SET status = 'LEFT', updated_at = now()
       FROM (SELECT id, status AS was FROM waitlist_entries WHERE schedule_id = ? AND user_id = ? AND ${OPEN} FOR UPDATE) o
      WHERE e.id = o.id
      RETURNING o.was`,
    [scheduleId, userId],
  );
  return { left: rows.length > 0, wasOffered: rows[0]?.was === 'OFFERED' };
}

export const scheduleExists = async (db: Db, scheduleId: number): Promise<boolean> => Boolean(await db('schedules').where({ id: scheduleId }).first('id'));

export interface MyWaitlistEntry extends WaitlistEntry {
  theme: string;
  date: string;
  startTime: string;
  offerExpiresAt?: Date;
}

/** The user's entries, newest first (the last 100). */
export async function listUserEntries(db: Db, userId: number): Promise<MyWaitlistEntry[]> {
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT e.id, e.schedule_id, t.name AS theme, s.date, s.start_time, e.status, e.offer_expires_at, ${POSITION} AS position
       FROM waitlist_entries e JOIN schedules s ON s.id = e.schedule_id JOIN themes t ON t.id = s.theme_id
      WHERE e.user_id = ? ORDER BY e.id DESC LIMIT 100`,
    [userId],
  );
  return rows.map((r) => ({
    id: r.id as number,
    scheduleId: r.schedule_id as number,
    theme: r.theme as string,
    date: r.date as string,
    startTime: (r.start_time as string).slice(0, 5),
    status: r.status as WaitlistStatus,
    position: (r.position as number | null) ?? null,
    ...(r.status === 'OFFERED' && r.offer_expires_at ? { offerExpiresAt: r.offer_expires_at as Date } : {}),
  }));
}

export interface ScheduleWaitlistEntry extends WaitlistEntry {
  userId: number;
  joinedAt: Date;
  offeredAt: Date | null;
  offerExpiresAt: Date | null;
}

/** Every entry of a schedule's list, in join order (an admin's view; the last 1,000). */
export async function listScheduleEntries(db: Db, scheduleId: number): Promise<ScheduleWaitlistEntry[]> {
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT e.id, e.schedule_id, e.user_id, e.status, e.created_at, e.offered_at, e.offer_expires_at, ${POSITION} AS position
       FROM waitlist_entries e WHERE e.schedule_id = ? ORDER BY e.id LIMIT 1000`,
    [scheduleId],
  );
  return rows.map((r) => ({
    id: r.id as number,
    scheduleId: r.schedule_id as number,
    userId: r.user_id as number,
    status: r.status as WaitlistStatus,
    position: (r.position as number | null) ?? null,
    joinedAt: r.created_at as Date,
    offeredAt: (r.offered_at as Date | null) ?? null,
    offerExpiresAt: (r.offer_expires_at as Date | null) ?? null,
  }));
}

export interface OutboxRow {
  id: number;
  userId: number;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Hands up to `limit` unpublished notifications to `publish` and marks them published, in one
 * transaction: rows another instance is publishing are skipped, and a publish that throws leaves
 * them for the next run. Returns how many were published.
 */
export async function publishOutbox(db: Db, limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: Record<string, unknown>[] }>(
      `SELECT id, user_id, kind, payload, created_at FROM notifications WHERE published_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    if (rows.length === 0) return 0;
    await publish(rows.map((r) => ({ id: r.id as number, userId: r.user_id as number, kind: r.kind as string, payload: r.payload as Record<string, unknown>, createdAt: r.created_at as Date })));
    await trx.raw('UPDATE notifications SET published_at = now() WHERE id = ANY(?::bigint[])', [rows.map((r) => r.id as number)]);
    return rows.length;
  });
}
