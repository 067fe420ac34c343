import { countedCancels, findRefund, markRefundDone, recordOrphanPayment, recordRefundFailure, type NewPayment, type RefundRow } from '../db/repositories/payments.js';
import { settleAttemptIfOpen } from '../db/repositories/payment-attempts.js';
import { scheduleFollowUp } from './followups.js';
import type { GatewayPayment } from './gateway.js';
import type { PaymentDeps } from './types.js';

/** NONE: the policy refunds nothing at this time. */
export type RefundState = { status: 'DONE'; amount: number } | { status: 'PENDING'; amount: number; reason: string } | { status: 'NONE'; amount: 0 };

/**
 * The gateway's cancels[] entry for this refund: its amount, under a transaction key no other
 * refund of the payment has claimed. Toss reports each cancel there
 * (https://docs.tosspayments.com/common/apis/cancel-payment, `cancels`); a 200 alone proves nothing.
 */
async function shownIn(deps: PaymentDeps, refund: RefundRow, payment: GatewayPayment): Promise<string | null> {
  const counted = await countedCancels(deps.db, refund.paymentId);
  return payment.cancels.find((c) => c.cancelAmount === refund.amount && !counted.has(c.transactionKey))?.transactionKey ?? null;
}

/** One try at the gateway, with the refund's own idempotency key; done only once cancels[] shows it. */
async function attempt(deps: PaymentDeps, refund: RefundRow): Promise<{ done: true } | { done: false; reason: string }> {
  const result = await deps.gateway.cancel(refund.paymentKey, { reason: refund.reason, amount: refund.amount }, refund.idempotencyKey);
  let payment = result.kind === 'ok' ? result.payment : null;
  if (result.kind === 'rejected') {
    // ALREADY_CANCELED_PAYMENT, NOT_CANCELABLE_AMOUNT…: perhaps an earlier try went through. Look.
    const found = await deps.gateway.findByOrderId(refund.orderId);
    payment = found.kind === 'ok' && found.payment.paymentKey === refund.paymentKey ? found.payment : null;
  }
  const transactionKey = payment ? await shownIn(deps, refund, payment) : null;
  if (payment && transactionKey) {
    await markRefundDone(deps.db, refund, transactionKey, payment.status);
    return { done: true };
  }
  const reason = result.kind === 'ok' ? 'the cancel is not in the payment’s cancels[]' : result.kind === 'rejected' ? result.code : result.reason;
  await recordRefundFailure(deps.db, refund, reason);
  return { done: false, reason };
}

/**
 * Sends a refund that is owed. Each refund has its own idempotency key, so a retry after an
 * unknown outcome can never refund twice; one that is not done yet is retried by a durable
 * follow-up and by the reconciler, never forgotten.
 */
export async function refund(deps: PaymentDeps, owed: RefundRow): Promise<RefundState> {
  if (owed.status === 'DONE') return { status: 'DONE', amount: owed.amount };
  const result = await attempt(deps, owed).catch((err: unknown) => ({ done: false as const, reason: err instanceof Error ? err.message : 'refund failed' }));
  if (result.done) return { status: 'DONE', amount: owed.amount };
  await scheduleFollowUp(deps, { type: 'Refund', refundId: owed.id });
  deps.log.warn({ refundId: owed.id, reason: result.reason }, 'refund not done yet; it will be retried');
  return { status: 'PENDING', amount: owed.amount, reason: result.reason };
}

/** For the follow-up queue and the reconciler: throws while the refund is still owed, so it is tried again. */
export async function retryRefund(deps: PaymentDeps, refundId: number): Promise<string> {
  const owed = await findRefund(deps.db, refundId);
  if (!owed || owed.status !== 'REQUESTED') return 'nothing owed';
  const result = await attempt(deps, owed);
  if (!result.done) throw new Error(`refund still owed: ${result.reason}`);
  return 'refunded';
}

/**
 * An approval for a reservation that is gone: the payment is recorded, its attempt settled and
 * the whole amount owed back, in one transaction; then the refund is sent.
 */
export async function refundOrphan(deps: PaymentDeps, payment: NewPayment, attemptId: number | null): Promise<RefundState | null> {
  const owed = await recordOrphanPayment(deps.db, payment, 'reservation no longer available', async (trx) => {
    if (attemptId) await settleAttemptIfOpen(trx, { id: attemptId, outcome: 'APPROVED', gatewayCode: null, message: 'approved for a reservation that is gone; refunded' });
  });
  deps.log.warn({ reservationId: payment.reservationId, orderId: payment.orderId }, 'approved payment for a reservation that is gone; refunding it');
  return owed ? refund(deps, owed) : null;
}
