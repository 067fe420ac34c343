import type { Db } from '../knex.js';
import type { ReservationRow } from '../../actors/schedule/model.js';

export type ReservationRef = Pick<ReservationRow, 'id' | 'scheduleId' | 'userId' | 'status' | 'orderId' | 'amount'>;

/** Which schedule (and so which actor) a reservation belongs to, and whose it is. */
export async function findReservationRef(db: Db, id: number): Promise<ReservationRef | null> {
  const r = await db('reservations').select('id', 'schedule_id', 'user_id', 'status', 'order_id', 'amount').where({ id }).first();
  return r ? { id: r.id, scheduleId: r.schedule_id, userId: r.user_id, status: r.status, orderId: r.order_id, amount: r.amount } : null;
}
