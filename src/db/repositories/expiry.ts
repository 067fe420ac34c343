import type { Db } from '../knex.js';

/**
 * What the expiry tick looks for. Both queries are keyset-paginated on the row id (`afterId`),
 * LIMITed, and filtered through the partial indexes made for them (`schedules_due_holds` on
 * HOLD rows, `reservations_due_pending` on PENDING rows), so a page costs the same whether the
 * tables hold a thousand rows or ten million. They only nominate: the schedule actor re-checks
 * every deadline itself and writes with compare-and-set, so a row that changed after the read
 * is left alone.
 */

/** A reservation found past its deadline: its id is the page cursor, its schedule gets the Expire. */
export interface DueReservation {
  id: number;
  scheduleId: number;
}

/** Ids of schedules held past `hold_expires_at` with no active (PENDING, PAYMENT_IN_PROGRESS, CONFIRMED) reservation, ascending. */
export async function dueHolds(db: Db, now: Date, limit: number, afterId = 0): Promise<number[]> {
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `SELECT s.id
       FROM schedules s
      WHERE s.status = 'HOLD'
        AND s.hold_expires_at <= ?
        AND s.id > ?
        AND NOT EXISTS (
              SELECT 1 FROM reservations r
               WHERE r.schedule_id = s.id AND r.status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED'))
      ORDER BY s.id
      LIMIT ?`,
    [now, afterId, limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Ends the WAITING entries of slots that have started: nobody can be offered them any more. (An
 * OFFERED entry ends with its hold, which the start refuses to reserve.) Returns how many ended.
 */
export async function closeStartedWaitlists(db: Db, now: Date): Promise<number> {
  const result = await db.raw<{ rowCount: number | null }>(
    `UPDATE waitlist_entries e
        SET status = 'EXPIRED', updated_at = now()
       FROM schedules s
      WHERE e.status = 'WAITING' AND s.id = e.schedule_id AND s.starts_at <= ?`,
    [now],
  );
  return result.rowCount ?? 0;
}

/** PENDING reservations whose `expires_at` has passed, ascending by reservation id. */
export async function duePendingReservations(db: Db, now: Date, limit: number, afterId = 0): Promise<DueReservation[]> {
  const { rows } = await db.raw<{ rows: { id: number; schedule_id: number }[] }>(
    `SELECT id, schedule_id
       FROM reservations
      WHERE status = 'PENDING'
        AND expires_at <= ?
        AND id > ?
      ORDER BY id
      LIMIT ?`,
    [now, afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, scheduleId: r.schedule_id }));
}
