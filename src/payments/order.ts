import { beginPayment, settlePayment, type Failure, type ReservationSummary } from '../actors/schedule/index.js';
import { findReservationRef } from '../db/repositories/reservation-refs.js';
import type { NewPayment } from '../db/repositories/payments.js';
import { confirmPayment, type ConfirmVerdict } from './confirm.js';
import { isMerchantOrGatewayFault, type GatewayPayment } from './gateway.js';
import { scheduleFollowUp } from './followups.js';
import { refundOrphan, type RefundState } from './refunds.js';
import type { PaymentDeps, PaymentSummary } from './types.js';

export interface OrderInput {
  userId: number;
  reservationId: number;
  paymentKey: string;
  orderId: string;
  amount: number;
}

export type OrderOutcome =
  | { kind: 'confirmed'; reservationId: number; payment: PaymentSummary }
  | { kind: 'declined'; httpStatus: number; code: string; message: string; attempts: number; payOnSite: boolean }
  | { kind: 'in-progress'; reservationId: number }
  | { kind: 'rejected'; code: 'RESERVATION_NOT_FOUND' | 'RESERVATION_NOT_PAYABLE' | 'AMOUNT_MISMATCH' | 'ORDER_MISMATCH' | Failure['code']; refund?: RefundState | null };

const summary = (p: GatewayPayment): PaymentSummary => ({ paymentKey: p.paymentKey, orderId: p.orderId, amount: p.totalAmount, method: p.method, status: p.status, approvedAt: p.approvedAt });

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

/**
 * POST /orders as a story: the schedule actor checks and marks the reservation PAYMENT_IN_PROGRESS
 * (so expiry leaves it alone), the gateway is called outside the actor, and its answer goes back
 * to the actor as a message. Once the gateway approves, the customer has paid: the answer is
 * success even if saving fails, and the save is retried durably.
 */
export async function placeOrder(deps: PaymentDeps, input: OrderInput): Promise<OrderOutcome> {
  const ref = await findReservationRef(deps.db, input.reservationId);
  if (!ref || ref.userId !== input.userId) return { kind: 'rejected', code: 'RESERVATION_NOT_FOUND' };
  if (ref.status !== 'PENDING') return { kind: 'rejected', code: 'RESERVATION_NOT_PAYABLE' };
  const begun = await beginPayment(deps.schedules, { scheduleId: ref.scheduleId, ...input });
  if (!begun.ok) return { kind: 'rejected', code: begun.code === 'SCHEDULE_NOT_FOUND' ? 'RESERVATION_NOT_FOUND' : begun.code };

  const verdict = await confirmPayment(deps.gateway, input);
  deps.onOutcome?.(verdict.kind, verdict.kind === 'declined' ? verdict.code : null);
  recordAttempt(deps, input, verdict);
  if (verdict.kind === 'unknown') {
    deps.log.warn({ reservationId: input.reservationId, reason: verdict.reason }, 'payment outcome unknown; the reconciler will settle it');
    return { kind: 'in-progress', reservationId: input.reservationId };
  }
  if (verdict.kind === 'approved') return saveApproval(deps, ref.scheduleId, input.reservationId, verdict.payment);

  const settled = await settlePayment(deps.schedules, { scheduleId: ref.scheduleId, reservationId: input.reservationId, outcome: { kind: 'declined' } });
  const attempts = settled.ok ? settled.reservation.paymentAttempts : begun.reservation.paymentAttempts + 1;
  const merchantFault = isMerchantOrGatewayFault(verdict.code) || verdict.httpStatus >= 500;
  return {
    kind: 'declined',
    httpStatus: merchantFault ? 502 : verdict.httpStatus === 400 ? 400 : 422,
    code: merchantFault ? 'PAYMENT_GATEWAY_ERROR' : verdict.code,
    message: merchantFault ? 'the card gateway could not take the payment; nothing was charged' : verdict.message,
    attempts,
    payOnSite: attempts >= deps.config.maxPaymentAttempts,
  };
}

async function saveApproval(deps: PaymentDeps, scheduleId: number, reservationId: number, payment: GatewayPayment): Promise<OrderOutcome> {
  const confirmed: OrderOutcome = { kind: 'confirmed', reservationId, payment: summary(payment) };
  const saved = await settlePayment(deps.schedules, { scheduleId, reservationId, outcome: { kind: 'approved', payment: toNewPayment(reservationId, payment) } }).catch(
    (err: unknown): Failure => {
      deps.log.error({ err, reservationId }, 'saving an approved payment failed');
      return { ok: false, code: 'ACTOR_FAILED' };
    },
  );
  if (saved.ok) return confirmed;
  if (saved.code === 'RESERVATION_NOT_PAYABLE') {
    const refund = await refundOrphan(deps, toNewPayment(reservationId, payment));
    return { kind: 'rejected', code: 'RESERVATION_NOT_PAYABLE', refund };
  }
  const { reservationId: _, ...rest } = toNewPayment(reservationId, payment);
  await scheduleFollowUp(deps, { type: 'SaveApproval', scheduleId, reservationId, payment: { ...rest, approvedAt: payment.approvedAt } });
  deps.log.warn({ reservationId, code: saved.code }, 'approved payment not saved yet; a durable retry will save it');
  return confirmed;
}

function recordAttempt(deps: PaymentDeps, input: OrderInput, verdict: ConfirmVerdict): void {
  deps.recordAttempt({
    reservationId: input.reservationId,
    orderId: input.orderId,
    paymentKey: input.paymentKey,
    amount: input.amount,
    success: verdict.kind === 'approved',
    code: verdict.kind === 'declined' ? verdict.code : verdict.kind === 'unknown' ? 'OUTCOME_UNKNOWN' : 'DONE',
    message: verdict.kind === 'declined' ? verdict.message : verdict.kind === 'unknown' ? verdict.reason : null,
    at: new Date(),
  });
}

export type { ReservationSummary };
