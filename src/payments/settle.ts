import { settlePayment } from '../actors/schedule/index.js';
import { settleAttemptIfOpen } from '../db/repositories/payment-attempts.js';
import type { NewPayment } from '../db/repositories/payments.js';
import type { ConfirmVerdict } from './confirm.js';
import type { GatewayPayment } from './gateway.js';
import { refundOrphan, type RefundState } from './refunds.js';
import type { PaymentDeps } from './types.js';

export interface AttemptRef {
  scheduleId: number;
  reservationId: number;
  attemptId: number | null;
}

export const toNewPayment = (reservationId: number, p: GatewayPayment): NewPayment => ({
  reservationId,
  paymentKey: p.paymentKey,
  orderId: p.orderId,
  amount: p.totalAmount,
  status: p.status,
  method: p.method,
  approvedAt: p.approvedAt ? new Date(p.approvedAt) : null,
  gatewayResponse: p.raw,
});

export type ApprovalApplied = { kind: 'confirmed' } | { kind: 'refunded'; refund: RefundState | null } | { kind: 'not-saved'; code: string };

/**
 * The gateway holds the money: the reservation is CONFIRMED (payment and attempt saved with it),
 * or, when the reservation is gone (expired, canceled, slot retaken), the payment is recorded and
 * refunded in full. We refund rather than confirm a gone reservation even when its slot is free:
 * the customer was not told the booking stands, and a slot another customer may be holding is
 * never handed out twice.
 */
export async function applyApproval(deps: PaymentDeps, at: AttemptRef, payment: GatewayPayment): Promise<ApprovalApplied> {
  const reply = await settlePayment(deps.schedules, { ...at, outcome: { kind: 'approved', payment: toNewPayment(at.reservationId, payment) } }).catch((err: unknown) => {
    deps.log.error({ err, reservationId: at.reservationId }, 'saving an approved payment failed');
    return { ok: false as const, code: 'ACTOR_FAILED' as const };
  });
  if (reply.ok || reply.code === 'ATTEMPT_SETTLED') {
    if (at.attemptId) await settleAttemptIfOpen(deps.db, { id: at.attemptId, outcome: 'APPROVED', gatewayCode: null, message: null });
    return { kind: 'confirmed' };
  }
  if (reply.code === 'RESERVATION_NOT_PAYABLE') return { kind: 'refunded', refund: await refundOrphan(deps, toNewPayment(at.reservationId, payment), at.attemptId) };
  return { kind: 'not-saved', code: reply.code };
}

/** A definite "nothing was charged": the reservation goes back to PENDING (or EXPIRED), the attempt is settled with it. */
export async function applyDecline(deps: PaymentDeps, at: AttemptRef, verdict: Extract<ConfirmVerdict, { kind: 'declined' | 'retryable' }>, opts: { expire?: boolean } = {}) {
  const outcome = verdict.kind === 'declined' ? 'DECLINED' : 'RETRYABLE';
  const counts = verdict.kind === 'declined' && verdict.counts;
  const reply = await settlePayment(deps.schedules, {
    ...at,
    outcome: { kind: 'declined', outcome, counts, gatewayCode: verdict.code, message: verdict.message, ...(opts.expire ? { expire: true } : {}) },
  });
  // A reservation that had already moved on was not written: settle the attempt on its own.
  if (reply.ok && at.attemptId) await settleAttemptIfOpen(deps.db, { id: at.attemptId, outcome, gatewayCode: verdict.code, message: verdict.message });
  return reply;
}
