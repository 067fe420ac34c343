import type { Db } from '../knex.js';
import type { ReservationStatus, ScheduleStatus } from '../models/index.js';

/**
 * A schedule with its theme's booking terms and its one active reservation: everything a
 * schedule actor decides on. The schedule's version covers the reservation too, because
 * every reservation change below is written in the same statement as a version bump.
 */
export interface ScheduleRow {
  id: number;
  themeId: number;
  date: string;
  startTime: string;
  startsAt: Date;
  status: ScheduleStatus;
  heldBy: number | null;
  holdExpiresAt: Date | null;
  version: number;
}

export interface ReservationRow {
  id: number;
  scheduleId: number;
  userId: number;
  status: ReservationStatus;
  orderId: string;
  amount: number;
  participants: number;
  expiresAt: Date;
  paymentAttempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ThemeTerms {
  price: number;
  minPlayers: number;
  maxPlayers: number;
}

export interface ScheduleAggregate {
  schedule: ScheduleRow;
  terms: ThemeTerms;
  reservation: ReservationRow | null;
  /** Memory only: whose hold this process saw lapse last, so they hear HOLD_EXPIRED rather than HOLD_REQUIRED. */
  lapsedHoldOf?: number;
}

export const ACTIVE_STATUSES: readonly ReservationStatus[] = ['PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED'];

type Raw = Record<string, unknown>;

export function toSchedule(r: Raw): ScheduleRow {
  return {
    id: r.id as number,
    themeId: r.theme_id as number,
    date: r.date as string,
    startTime: (r.start_time as string).slice(0, 5),
    startsAt: r.starts_at as Date,
    status: r.status as ScheduleStatus,
    heldBy: (r.held_by as number | null) ?? null,
    holdExpiresAt: (r.hold_expires_at as Date | null) ?? null,
    version: r.version as number,
  };
}

export function toReservation(r: Raw): ReservationRow {
  return {
    id: r.id as number,
    scheduleId: r.schedule_id as number,
    userId: r.user_id as number,
    status: r.status as ReservationStatus,
    orderId: r.order_id as string,
    amount: r.amount as number,
    participants: r.participants as number,
    expiresAt: r.expires_at as Date,
    paymentAttempts: (r.payment_attempts as number | undefined) ?? 0,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

/** One round trip for many schedules: each with its theme's terms and its active reservation; missing ids are absent. */
export async function loadScheduleAggregates(db: Db, scheduleIds: number[]): Promise<Map<number, ScheduleAggregate>> {
  const { rows } = await db.raw<{ rows: Raw[] }>(
    `SELECT row_to_json(s) AS s, t.price, t.min_players, t.max_players, row_to_json(r) AS r
       FROM schedules s
       JOIN themes t ON t.id = s.theme_id
       LEFT JOIN reservations r ON r.schedule_id = s.id AND r.status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED')
      WHERE s.id = ANY(?::bigint[])`,
    [scheduleIds],
  );
  const found = new Map<number, ScheduleAggregate>();
  for (const row of rows) {
    const schedule = toSchedule(reviveTimes(row.s as Raw, ['starts_at', 'hold_expires_at']));
    found.set(schedule.id, {
      schedule,
      terms: { price: row.price as number, minPlayers: row.min_players as number, maxPlayers: row.max_players as number },
      reservation: row.r ? toReservation(reviveTimes(row.r as Raw, ['expires_at', 'created_at', 'updated_at'])) : null,
    });
  }
  return found;
}

/** The schedule, its theme's terms and its active reservation, or null if there is no such schedule. */
export async function loadScheduleAggregate(db: Db, scheduleId: number): Promise<ScheduleAggregate | null> {
  return (await loadScheduleAggregates(db, [scheduleId])).get(scheduleId) ?? null;
}

/** row_to_json turns timestamps into strings; this brings back Date objects. */
export function reviveTimes(r: Raw, keys: string[]): Raw {
  for (const k of keys) if (typeof r[k] === 'string') r[k] = new Date(r[k] as string);
  return r;
}
