import type { Db } from '../knex.js';
import type { ReservationRow } from './schedule-aggregate.js';

export type ReservationRef = Pick<ReservationRow, 'id' | 'scheduleId' | 'userId' | 'status' | 'orderId' | 'amount'>;

/** Which schedule (and so which actor) a reservation belongs to, and whose it is. */
export async function findReservationRef(db: Db, id: number): Promise<ReservationRef | null> {
  const r = await db('reservations').select('id', 'schedule_id', 'user_id', 'status', 'order_id', 'amount').where({ id }).first();
  return r ? { id: r.id, scheduleId: r.schedule_id, userId: r.user_id, status: r.status, orderId: r.order_id, amount: r.amount } : null;
}

/** Reservations whose payment has been in progress since before `before`: their outcome must be asked of the gateway. */
export async function stuckPayments(db: Db, before: Date, limit: number): Promise<ReservationRef[]> {
  const rows = await db('reservations')
    .select('id', 'schedule_id', 'user_id', 'status', 'order_id', 'amount')
    .where({ status: 'PAYMENT_IN_PROGRESS' })
    .andWhere('updated_at', '<=', before)
    .orderBy('updated_at')
    .limit(limit);
  return rows.map((r) => ({ id: r.id, scheduleId: r.schedule_id, userId: r.user_id, status: r.status, orderId: r.order_id, amount: r.amount }));
}
