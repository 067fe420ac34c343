import type { Db } from '../knex.js';
import type { ReservationRow, ReservationStatus, ScheduleAggregate, ScheduleRow, ScheduleStatus } from '../../actors/schedule/model.js';

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

/** row_to_json turns timestamps into strings; this brings back Date objects. */
export function reviveTimes(r: Raw, keys: string[]): Raw {
  for (const k of keys) if (typeof r[k] === 'string') r[k] = new Date(r[k] as string);
  return r;
}
