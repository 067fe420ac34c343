import type { Db } from '../knex.js';

export interface NewPayment {
  reservationId: number;
  paymentKey: string;
  orderId: string;
  amount: number;
  status: string;
  method: string | null;
  approvedAt: Date | null;
  gatewayResponse: unknown;
}

export interface PaymentRow extends Omit<NewPayment, 'gatewayResponse'> {
  id: number;
  refundStatus: 'REQUESTED' | 'DONE' | null;
  refundReason: string | null;
  refundedAmount: number;
  refundedAt: Date | null;
  refundAttempts: number;
}

const toPayment = (r: Record<string, any>): PaymentRow => ({
  id: r.id,
  reservationId: r.reservation_id,
  paymentKey: r.payment_key,
  orderId: r.order_id,
  amount: r.amount,
  status: r.status,
  method: r.method,
  approvedAt: r.approved_at,
  refundStatus: r.refund_status,
  refundReason: r.refund_reason,
  refundedAmount: r.refunded_amount,
  refundedAt: r.refunded_at,
  refundAttempts: r.refund_attempts,
});

/** Records an approved payment; a second save of the same approval changes nothing. */
export async function insertPayment(db: Db, p: NewPayment): Promise<void> {
  await db('payments')
    .insert({ reservation_id: p.reservationId, payment_key: p.paymentKey, order_id: p.orderId, amount: p.amount, status: p.status, method: p.method, approved_at: p.approvedAt, gateway_response: JSON.stringify(p.gatewayResponse) })
    .onConflict('order_id')
    .ignore();
}

/** Marks the reservation's payment as owed a refund; returns it (null if it has none). */
export async function requestRefund(db: Db, reservationId: number, reason: string): Promise<PaymentRow | null> {
  const [row] = await db('payments')
    .where({ reservation_id: reservationId })
    .whereNull('refund_status')
    .update({ refund_status: 'REQUESTED', refund_reason: reason, updated_at: db.fn.now() })
    .returning('*');
  return row ? toPayment(row) : null;
}

export async function markRefunded(db: Db, paymentId: number, refundedAmount: number): Promise<void> {
  await db('payments').where({ id: paymentId }).update({ refund_status: 'DONE', status: 'CANCELED', refunded_amount: refundedAmount, refunded_at: db.fn.now(), updated_at: db.fn.now() });
}

export async function recordRefundFailure(db: Db, paymentId: number, error: string): Promise<void> {
  await db('payments').where({ id: paymentId }).update({ refund_attempts: db.raw('refund_attempts + 1'), last_refund_error: error.slice(0, 200), updated_at: db.fn.now() });
}

/** Refunds still owed whose last try is older than `before`, oldest first. */
export async function dueRefunds(db: Db, before: Date, limit: number): Promise<PaymentRow[]> {
  const rows = await db('payments').where({ refund_status: 'REQUESTED' }).andWhere('updated_at', '<=', before).orderBy('updated_at').limit(limit);
  return rows.map(toPayment);
}

export async function findPaymentByReservation(db: Db, reservationId: number): Promise<PaymentRow | null> {
  const row = await db('payments').where({ reservation_id: reservationId }).first();
  return row ? toPayment(row) : null;
}

/** A payment the gateway approved for a reservation that is gone: recorded, and owed back at once. */
export async function recordOrphanPayment(db: Db, p: NewPayment, reason: string): Promise<PaymentRow | null> {
  return db.transaction(async (trx) => {
    await insertPayment(trx, p);
    return requestRefund(trx, p.reservationId, reason);
  });
}

export async function findPayment(db: Db, id: number): Promise<PaymentRow | null> {
  const row = await db('payments').where({ id }).first();
  return row ? toPayment(row) : null;
}
