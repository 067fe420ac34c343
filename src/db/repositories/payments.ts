import type { NewPayment, RefundRow } from '../../actors/schedule/model.js';
import type { Db } from '../knex.js';
import type { RawRow } from '../row.js';

export type { NewPayment, RefundRow };

const toRefund = (r: RawRow): RefundRow => ({
  id: Number(r.id),
  paymentId: Number(r.payment_id),
  paymentKey: r.payment_key,
  orderId: r.order_id,
  amount: r.amount,
  reason: r.reason,
  idempotencyKey: r.idempotency_key,
  status: r.status,
  transactionKey: r.transaction_key,
  attempts: r.attempts,
});

/** Records an approved payment; a second save of the same approval changes nothing. */
export async function insertPayment(db: Db, p: NewPayment): Promise<void> {
  await db('payments')
    .insert({
      reservation_id: p.reservationId,
      payment_key: p.paymentKey,
      order_id: p.orderId,
      amount: p.amount,
      status: p.status,
      method: p.method,
      approved_at: p.approvedAt,
      gateway_response: JSON.stringify(p.gatewayResponse),
    })
    .onConflict('order_id')
    .ignore();
}

/**
 * Marks the reservation's payment as owed `amount` back (all of it when omitted) and records the
 * cancel to send, with its own idempotency key; returns the refund (null when there is no payment,
 * it is already owed, or the amount is 0).
 */
export async function requestRefund(db: Db, reservationId: number, reason: string, amount?: number): Promise<RefundRow | null> {
  const [payment] = await db('payments')
    .where({ reservation_id: reservationId })
    .whereNull('refund_status')
    .update({ refund_status: 'REQUESTED', refund_reason: reason, updated_at: db.fn.now() })
    .returning('*');
  if (!payment) return null;
  const owed = Math.min(amount ?? payment.amount, payment.amount - payment.refunded_amount);
  if (owed <= 0) {
    await db('payments').where({ id: payment.id }).update({ refund_status: 'DONE', refunded_at: db.fn.now() });
    return null;
  }
  const [refund] = await db('payment_refunds')
    .insert({ payment_id: payment.id, amount: owed, reason, idempotency_key: `refund:${payment.payment_key}:${Date.now().toString(36)}:${owed}`.slice(0, 300) })
    .returning('*');
  return toRefund({ ...refund, payment_key: payment.payment_key, order_id: payment.order_id });
}

/** The gateway's cancels[] shows the refund: it is done, and the payment's books say so in the same transaction. */
export async function markRefundDone(db: Db, refund: RefundRow, transactionKey: string, gatewayStatus: string): Promise<void> {
  await db.transaction(async (trx) => {
    const n = await trx('payment_refunds').where({ id: refund.id, status: 'REQUESTED' }).update({ status: 'DONE', transaction_key: transactionKey, done_at: trx.fn.now(), updated_at: trx.fn.now() });
    if (n === 0) return;
    const open = await trx('payment_refunds').where({ payment_id: refund.paymentId, status: 'REQUESTED' }).count({ n: '*' });
    await trx('payments')
      .where({ id: refund.paymentId })
      .update({
        refunded_amount: trx.raw('refunded_amount + ?', [refund.amount]),
        refunded_at: trx.fn.now(),
        status: gatewayStatus,
        ...(Number(open[0]?.n ?? 0) === 0 ? { refund_status: 'DONE' } : {}),
        updated_at: trx.fn.now(),
      });
  });
}

export async function recordRefundFailure(db: Db, refund: RefundRow, error: string): Promise<void> {
  await db('payment_refunds')
    .where({ id: refund.id })
    .update({ attempts: db.raw('attempts + 1'), last_error: error.slice(0, 200), updated_at: db.fn.now() });
  await db('payments')
    .where({ id: refund.paymentId })
    .update({ refund_attempts: db.raw('refund_attempts + 1'), last_refund_error: error.slice(0, 200) });
}

const REFUND_SELECT = ['payment_refunds.*', 'payments.payment_key', 'payments.order_id'];

/** Refunds still owed whose last try is older than `before`, oldest first. */
export async function dueRefunds(db: Db, before: Date, limit: number): Promise<RefundRow[]> {
  const rows = await db('payment_refunds')
    .join('payments', 'payments.id', 'payment_refunds.payment_id')
    .select(REFUND_SELECT)
    .where('payment_refunds.status', 'REQUESTED')
    .andWhere('payment_refunds.updated_at', '<=', before)
    .orderBy('payment_refunds.updated_at')
    .limit(limit);
  return rows.map(toRefund);
}

export async function findRefund(db: Db, id: number): Promise<RefundRow | null> {
  const row = await db('payment_refunds').join('payments', 'payments.id', 'payment_refunds.payment_id').select(REFUND_SELECT).where('payment_refunds.id', id).first();
  return row ? toRefund(row) : null;
}

/** Transaction keys of the payment's cancels we have already counted. */
export async function countedCancels(db: Db, paymentId: number): Promise<Set<string>> {
  const rows = await db('payment_refunds').where({ payment_id: paymentId, status: 'DONE' }).whereNotNull('transaction_key').select('transaction_key');
  return new Set(rows.map((r) => r.transaction_key as string));
}

/** A payment the gateway approved for a reservation that is gone: recorded, and owed back at once, all of it. */
export async function recordOrphanPayment(db: Db, p: NewPayment, reason: string, inTransaction?: (trx: Db) => Promise<void>): Promise<RefundRow | null> {
  return db.transaction(async (trx) => {
    await insertPayment(trx, p);
    await inTransaction?.(trx);
    return requestRefund(trx, p.reservationId, reason);
  });
}
