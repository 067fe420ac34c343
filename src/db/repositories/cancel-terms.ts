import type { Db } from '../knex.js';
import type { ReservationStatus } from '../../actors/schedule/model.js';

export interface CancelTerms {
  reservationId: number;
  userId: number;
  scheduleId: number;
  status: ReservationStatus;
  startsAt: Date;
  /** The theme's refund policy as stored (null: the default). */
  storedPolicy: unknown;
  /** What was paid and not refunded yet; null when nothing was paid. */
  paid: { amount: number; refunded: number } | null;
}

/** What a cancel of this reservation would refund depends on: its start, its theme's policy, what was paid. */
export async function findCancelTerms(db: Db, reservationId: number): Promise<CancelTerms | null> {
  const r = await db('reservations as r')
    .join('schedules as s', 's.id', 'r.schedule_id')
    .join('themes as t', 't.id', 's.theme_id')
    .leftJoin('payments as p', 'p.reservation_id', 'r.id')
    .select('r.id', 'r.user_id', 'r.schedule_id', 'r.status', 's.starts_at', 't.refund_policy', 'p.amount as paid_amount', 'p.refunded_amount')
    .where('r.id', reservationId)
    .first();
  if (!r) return null;
  return {
    reservationId: Number(r.id),
    userId: Number(r.user_id),
    scheduleId: Number(r.schedule_id),
    status: r.status,
    startsAt: r.starts_at,
    storedPolicy: r.refund_policy,
    paid: r.paid_amount === null || r.paid_amount === undefined ? null : { amount: r.paid_amount, refunded: r.refunded_amount },
  };
}
