import type { Knex } from 'knex';
import type { Db } from '../knex.js';
import type { Committed, Effects, Limited, PlannedEvent, ReservationChange, SchedulePatch, Transition, Written } from '../../actors/schedule/model.js';
import { insertAttempt, settleAttempt } from './payment-attempts.js';
import { insertPayment, requestRefund } from './payments.js';
import { HOLD_LOCK_CLASS } from '../migrations/20261201100000_authority.js';
import { reviveTimes, toReservation, toSchedule } from './schedule-aggregate.js';

/** How many holds and unpaid reservations one user may have at once, across every process. */
export interface UserLimits {
  maxHolds: number;
  maxUnpaid: number;
}

const SCHEDULE_COLUMNS: Record<keyof SchedulePatch, string> = {
  status: 'status',
  heldBy: 'held_by',
  holdExpiresAt: 'hold_expires_at',
};

/**
 * Writes one schedule transition as a single compare-and-set statement: the schedule row is
 * updated only at the expected version, and the reservation change (if any) happens only if
 * that update did. Returns null when the version moved on (another writer won).
 */
export async function commitTransition(db: Db, t: Transition): Promise<Committed | null> {
  const sets: string[] = ['version = version + 1', 'updated_at = now()'];
  const bindings: Knex.Value[] = [];
  for (const [key, column] of Object.entries(SCHEDULE_COLUMNS) as [keyof SchedulePatch, string][]) {
    if (key in t.schedule) {
      sets.push(`${column} = ?`);
      bindings.push(t.schedule[key] ?? null);
    }
  }
  bindings.push(t.scheduleId, t.version);
  let where = 'id = ? AND version = ?';
  if (t.reservation?.kind === 'update') {
    // Belt and braces: the version already implies it, but never move the schedule if the reservation is not as decided.
    where += ' AND EXISTS (SELECT 1 FROM reservations WHERE id = ? AND status = ?)';
    bindings.push(t.reservation.id, t.reservation.from);
  }
  const scheduleCte = `s AS (UPDATE schedules SET ${sets.join(', ')} WHERE ${where} RETURNING *)`;

  if (!t.reservation) {
    const eventsCte = t.events?.length ? `, e AS (${eventsStatement(t.scheduleId, t.events, bindings, false)})` : '';
    const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(`WITH ${scheduleCte}${eventsCte} SELECT * FROM s`, bindings);
    return rows[0] ? { schedule: toSchedule(rows[0]), reservation: null } : null;
  }

  const reservationCte = reservationStatement(t.reservation, t.scheduleId, bindings);
  const eventsCte = t.events?.length ? `, e AS (${eventsStatement(t.scheduleId, t.events, bindings, true)})` : '';
  const { rows } = await db.raw<{ rows: { s: Record<string, unknown>; r: Record<string, unknown> | null }[] }>(
    `WITH ${scheduleCte}, r AS (${reservationCte})${eventsCte}
     SELECT row_to_json(s) AS s, (SELECT row_to_json(r) FROM r) AS r FROM s`,
    bindings,
  );
  const row = rows[0];
  if (!row) return null;
  if (!row.r) throw new Error(`schedule ${t.scheduleId} moved without its reservation change: the version invariant is broken`);
  return { schedule: toSchedule(reviveTimes(row.s, ['starts_at', 'hold_expires_at'])), reservation: toReservation(reviveTimes(row.r, ['expires_at', 'created_at', 'updated_at'])) };
}

/**
 * The INSERT of a transition's events, run only if the schedule CTE `s` updated its row (a
 * data-modifying CTE always runs; the EXISTS makes it write nothing when the version moved).
 */
function eventsStatement(scheduleId: number, events: PlannedEvent[], bindings: Knex.Value[], withReservation: boolean): string {
  const inserted = withReservation ? '(SELECT id FROM r)' : 'NULL::bigint';
  bindings.push(
    scheduleId,
    events.map((e) => e.type) as unknown as Knex.Value,
    events.map((e) => e.userId) as unknown as Knex.Value,
    events.map((e) => (typeof e.reservationId === 'number' ? e.reservationId : null)) as unknown as Knex.Value,
    events.map((e) => e.reservationId === 'inserted') as unknown as Knex.Value,
    events.map((e) => e.at) as unknown as Knex.Value,
  );
  return `INSERT INTO booking_events (schedule_id, user_id, reservation_id, type, at)
          SELECT ?::bigint, v.user_id, CASE WHEN v.inserted THEN ${inserted} ELSE v.reservation_id END, v.type, v.at
            FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::bool[], ?::timestamptz[]) AS v(type, user_id, reservation_id, inserted, at)
           WHERE EXISTS (SELECT 1 FROM s)`;
}

function reservationStatement(change: ReservationChange, scheduleId: number, bindings: Knex.Value[]): string {
  if (change.kind === 'insert') {
    const v = change.values;
    bindings.push(scheduleId, v.userId, v.orderId, v.amount, v.participants, v.expiresAt);
    return `INSERT INTO reservations (schedule_id, user_id, status, order_id, amount, participants, expires_at)
            SELECT ?, ?, 'PENDING', ?, ?, ?, ? FROM s RETURNING *`;
  }
  const sets = ['status = ?', 'updated_at = now()'];
  bindings.push(change.patch.status);
  if (change.patch.expiresAt) {
    sets.push('expires_at = ?');
    bindings.push(change.patch.expiresAt);
  }
  if (change.patch.paymentAttempts !== undefined) {
    sets.push('payment_attempts = ?');
    bindings.push(change.patch.paymentAttempts);
  }
  if (change.patch.status === 'CANCELED') {
    sets.push('canceled_at = now()', 'cancel_reason = ?');
    bindings.push(change.patch.cancelReason ?? null);
  }
  bindings.push(change.id, scheduleId, change.from);
  return `UPDATE reservations SET ${sets.join(', ')}
           WHERE id = ? AND schedule_id = ? AND status = ? AND EXISTS (SELECT 1 FROM s) RETURNING *`;
}

/**
 * A transition that creates a reservation, within the user's cap of unpaid ones. The user's
 * advisory lock (the one `claim_holds` takes) serialises their reservations across processes, and
 * the count after it sees every reservation committed before the lock was granted.
 */
export async function commitReservationWithin(db: Db, t: Transition, maxUnpaid: number): Promise<Committed | null | Limited> {
  if (t.reservation?.kind !== 'insert') return commitTransition(db, t);
  const userId = t.reservation.values.userId;
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?, ?::int)', [HOLD_LOCK_CLASS, userId]);
    const { rows } = await trx.raw<{ rows: { n: string }[] }>(`SELECT count(*) AS n FROM reservations WHERE user_id = ? AND status IN ('PENDING', 'PAYMENT_IN_PROGRESS')`, [userId]);
    if (Number(rows[0]!.n) >= maxUnpaid) return { limited: 'UNPAID' as const, max: maxUnpaid };
    return commitTransition(trx, t);
  });
}

/** A transition plus the writes that must stand or fall with it, in one short transaction. */
export async function commitTransitionWith(db: Db, t: Transition, effects: Effects): Promise<Written | null> {
  return db.transaction(async (trx) => {
    const committed = await commitTransition(trx, t);
    if (!committed) return null;
    if (effects.settleAttempt) await settleAttempt(trx, effects.settleAttempt);
    if (effects.insertPayment) await insertPayment(trx, effects.insertPayment);
    const attemptId = effects.beginAttempt ? await insertAttempt(trx, effects.beginAttempt) : null;
    const refund = effects.requestRefund ? await requestRefund(trx, effects.requestRefund.reservationId, effects.requestRefund.reason, effects.requestRefund.amount) : null;
    return { ...committed, refund, attemptId };
  });
}
