import { beginPayment, type Failure } from '../actors/schedule/index.js';
import { findReservationRef } from '../db/repositories/reservation-refs.js';
import { markUnknown, setAttemptKey } from '../db/repositories/payment-attempts.js';
import { isOurFault } from './codes.js';
import { confirmKey, confirmPayment, type ConfirmVerdict } from './confirm.js';
import { scheduleFollowUp } from './followups.js';
import type { GatewayPayment } from './gateway.js';
import type { RefundState } from './refunds.js';
import { applyApproval, applyDecline, type AttemptRef } from './settle.js';
import type { PaymentDeps, PaymentSummary } from './types.js';

export interface OrderInput {
  userId: number;
  reservationId: number;
  paymentKey: string;
  orderId: string;
  amount: number;
}

/**
 * - confirmed: approved and saved (or saved by a durable retry);
 * - declined: a definite "nothing was charged" (a refusal, or a temporary failure after retries);
 * - pending: no definite answer; the reservation stays PAYMENT_IN_PROGRESS until the reconciler settles it.
 */
export type OrderOutcome =
  | { kind: 'confirmed'; reservationId: number; payment: PaymentSummary }
  | { kind: 'declined'; code: DeclineCode; gatewayCode: string; attempts: number; payOnSite: boolean }
  | { kind: 'pending'; reservationId: number }
  | { kind: 'rejected'; code: 'RESERVATION_NOT_FOUND' | 'RESERVATION_NOT_PAYABLE' | 'AMOUNT_MISMATCH' | 'ORDER_MISMATCH' | 'PAY_ON_SITE' | Failure['code']; refund?: RefundState | null };

export const summary = (p: GatewayPayment): PaymentSummary => ({ paymentKey: p.paymentKey, orderId: p.orderId, amount: p.totalAmount, method: p.method, status: p.status, approvedAt: p.approvedAt });

/**
 * POST /orders as a story: the schedule actor checks the reservation, refuses once it has had
 * MAX_PAYMENT_ATTEMPTS declines (PAY_ON_SITE, no gateway call), and marks it PAYMENT_IN_PROGRESS
 * with the attempt recorded; the gateway is called outside the actor, and its answer goes back to
 * the actor as a message. Approved: success, even if saving fails (the save is retried durably).
 * Declined: back to PENDING. Unknown: nothing is guessed; the reservation stays in progress.
 */
export async function placeOrder(deps: PaymentDeps, input: OrderInput): Promise<OrderOutcome> {
  const ref = await findReservationRef(deps.db, input.reservationId);
  if (!ref || ref.userId !== input.userId) return { kind: 'rejected', code: 'RESERVATION_NOT_FOUND' };
  if (ref.status !== 'PENDING') return { kind: 'rejected', code: 'RESERVATION_NOT_PAYABLE' };
  const begun = await beginPayment(deps.schedules, {
    scheduleId: ref.scheduleId,
    ...input,
    idempotencyKey: confirmKey(input),
    maxDeclines: deps.config.maxPaymentAttempts,
    checkAt: new Date(Date.now() + deps.config.reconcileAfterMs),
  });
  if (!begun.ok) return { kind: 'rejected', code: begun.code === 'SCHEDULE_NOT_FOUND' ? 'RESERVATION_NOT_FOUND' : begun.code };
  const at: AttemptRef = { scheduleId: ref.scheduleId, reservationId: input.reservationId, attemptId: begun.attemptId };

  const { verdict, key } = await confirmPayment(deps.gateway, input, {
    retries: deps.config.paymentConfirmRetries,
    backoffMs: deps.config.paymentRetryBackoffMs,
    onNewKey: (k) => setAttemptKey(deps.db, begun.attemptId, k),
  });
  deps.onOutcome?.(verdict.kind, verdict.kind === 'approved' ? null : verdict.code);

  if (verdict.kind === 'approved') return approved(deps, at, verdict.payment);
  if (verdict.kind === 'unknown') {
    await markUnknown(deps.db, begun.attemptId, { gatewayCode: verdict.code, reason: verdict.reason, idempotencyKey: key, nextCheckAt: new Date(Date.now() + deps.config.reconcileAfterMs) });
    deps.log.warn({ reservationId: input.reservationId, reason: verdict.reason }, 'payment outcome unknown; the reconciler will settle it');
    return { kind: 'pending', reservationId: input.reservationId };
  }
  const settled = await applyDecline(deps, at, verdict);
  const declines = settled.ok ? settled.reservation.paymentAttempts : begun.reservation.paymentAttempts + (verdict.kind === 'declined' && verdict.counts ? 1 : 0);
  return { kind: 'declined', ...answerFor(verdict), gatewayCode: verdict.code, attempts: declines, payOnSite: declines >= deps.config.maxPaymentAttempts };
}

/** What a client hears of a refusal; its status is the error catalogue's. */
export type DeclineCode = 'PAYMENT_DECLINED' | 'PAYMENT_SESSION_INVALID' | 'PAYMENT_GATEWAY_ERROR' | 'PAYMENT_RETRY_LATER';

function answerFor(verdict: Extract<ConfirmVerdict, { kind: 'declined' | 'retryable' }>): { code: DeclineCode } {
  if (verdict.kind === 'retryable') return { code: 'PAYMENT_RETRY_LATER' };
  if (verdict.code === 'NOT_FOUND_PAYMENT_SESSION') return { code: 'PAYMENT_SESSION_INVALID' };
  if (!verdict.counts && isOurFault(verdict.code)) return { code: 'PAYMENT_GATEWAY_ERROR' };
  return { code: 'PAYMENT_DECLINED' };
}

async function approved(deps: PaymentDeps, at: AttemptRef, payment: GatewayPayment): Promise<OrderOutcome> {
  const applied = await applyApproval(deps, at, payment);
  if (applied.kind === 'refunded') return { kind: 'rejected', code: 'RESERVATION_NOT_PAYABLE', refund: applied.refund };
  if (applied.kind === 'not-saved') {
    await scheduleFollowUp(deps, { type: 'SaveApproval', ...at, payment });
    deps.log.warn({ reservationId: at.reservationId, code: applied.code }, 'approved payment not saved yet; a durable retry will save it');
  }
  return { kind: 'confirmed', reservationId: at.reservationId, payment: summary(payment) };
}
