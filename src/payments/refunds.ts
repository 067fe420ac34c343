import { findPayment, markRefunded, recordOrphanPayment, recordRefundFailure, type NewPayment, type PaymentRow } from '../db/repositories/payments.js';
import { scheduleFollowUp } from './followups.js';
import type { PaymentDeps } from './types.js';

export type RefundState = { status: 'DONE'; amount: number } | { status: 'PENDING'; amount: number; reason: string };

const refundKey = (paymentKey: string) => `refund:${paymentKey}`.slice(0, 300);

/** One try at the gateway; a failure is recorded on the payment row. */
async function attempt(deps: PaymentDeps, payment: PaymentRow): Promise<{ done: true } | { done: false; reason: string }> {
  const result = await deps.gateway.cancel(payment.paymentKey, { reason: payment.refundReason ?? 'canceled by customer' }, refundKey(payment.paymentKey));
  if (result.kind === 'ok' || (result.kind === 'rejected' && result.code === 'ALREADY_CANCELED_PAYMENT')) {
    await markRefunded(deps.db, payment.id, payment.amount);
    return { done: true };
  }
  const reason = result.kind === 'rejected' ? result.code : result.reason;
  await recordRefundFailure(deps.db, payment.id, reason);
  return { done: false, reason };
}

/**
 * Refunds a payment marked REQUESTED. The gateway call is idempotent (one key per payment), so a
 * retry after an unknown outcome can never refund twice; a refund that fails is retried by a
 * durable follow-up and by the reconciler, never forgotten.
 */
export async function refund(deps: PaymentDeps, payment: PaymentRow): Promise<RefundState> {
  if (payment.refundStatus === 'DONE') return { status: 'DONE', amount: payment.refundedAmount };
  const result = await attempt(deps, payment).catch((err: unknown) => ({ done: false as const, reason: err instanceof Error ? err.message : 'refund failed' }));
  if (result.done) return { status: 'DONE', amount: payment.amount };
  await scheduleFollowUp(deps, { type: 'Refund', paymentId: payment.id });
  deps.log.warn({ paymentId: payment.id, reason: result.reason }, 'refund not done yet; it will be retried');
  return { status: 'PENDING', amount: payment.amount, reason: result.reason };
}

/** For the follow-up queue and the reconciler: throws while the refund is still owed, so it is tried again. */
export async function retryRefund(deps: PaymentDeps, paymentId: number): Promise<string> {
  const payment = await findPayment(deps.db, paymentId);
  if (!payment || payment.refundStatus !== 'REQUESTED') return 'nothing owed';
  const result = await attempt(deps, payment);
  if (!result.done) throw new Error(`refund still owed: ${result.reason}`);
  return 'refunded';
}

/** An approval that arrived for a reservation that is no longer there: record it and give the money back. */
export async function refundOrphan(deps: PaymentDeps, payment: NewPayment): Promise<RefundState | null> {
  const row = await recordOrphanPayment(deps.db, payment, 'reservation no longer available');
  deps.log.warn({ reservationId: payment.reservationId, orderId: payment.orderId }, 'approved payment for a reservation that is gone; refunding it');
  return row ? refund(deps, row) : null;
}
