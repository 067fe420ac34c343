import { cancelReservation, type Failure, type ReservationSummary } from '../actors/schedule/index.js';
import { findCancelTerms, type CancelTerms } from '../db/repositories/cancel-terms.js';
import { policyOf, refundAmount, refundPercent, type PolicyTier } from './policy.js';
import { refund, type RefundState } from './refunds.js';
import type { PaymentDeps } from './types.js';

export type CancelOutcome =
  { kind: 'canceled'; reservation: ReservationSummary; refund: RefundState | null } | { kind: 'rejected'; code: 'RESERVATION_NOT_FOUND' | 'NOT_CANCELABLE' | Failure['code'] };

export interface CancelQuote {
  reservationId: number;
  status: string;
  cancelable: boolean;
  /** The last moment a paid reservation can be canceled (CANCEL_DEADLINE_MINUTES before the start). */
  cancelableUntil: string;
  startsAt: string;
  paidAmount: number;
  refundPercent: number;
  refundAmount: number;
  policy: readonly PolicyTier[];
  quotedAt: string;
}

function quoteOf(deps: PaymentDeps, terms: CancelTerms, now: Date): CancelQuote {
  const policy = policyOf(terms.storedPolicy);
  const until = new Date(terms.startsAt.getTime() - deps.config.cancelDeadlineMinutes * 60_000);
  const paid = terms.status === 'CONFIRMED' && terms.paid ? terms.paid.amount - terms.paid.refunded : 0;
  const percent = paid > 0 ? refundPercent(policy, terms.startsAt, now) : 0;
  return {
    reservationId: terms.reservationId,
    status: terms.status,
    cancelable: terms.status === 'PENDING' || (terms.status === 'CONFIRMED' && now <= until),
    cancelableUntil: until.toISOString(),
    startsAt: terms.startsAt.toISOString(),
    paidAmount: paid,
    refundPercent: percent,
    refundAmount: refundAmount(paid, percent),
    policy,
    quotedAt: now.toISOString(),
  };
}

/** GET /reservations/:id/cancel-quote: what a cancel now would refund, by the theme's policy. */
export async function cancelQuote(deps: PaymentDeps, input: { userId: number; isAdmin: boolean; reservationId: number }, now = new Date()): Promise<CancelQuote | null> {
  const terms = await findCancelTerms(deps.db, input.reservationId);
  if (!terms || (terms.userId !== input.userId && !input.isAdmin)) return null;
  return quoteOf(deps, terms, now);
}

/**
 * POST /reservations/:id/cancel: the refund is quoted by the policy at this moment, then the
 * schedule actor cancels the reservation, frees the slot and (for a paid one) records the refund
 * owed, all in one transaction; the refund goes to the gateway afterwards (a partial cancel with
 * `cancelAmount`) and is retried until the gateway's cancels[] shows it.
 */
export async function cancelBooking(deps: PaymentDeps, input: { userId: number; reservationId: number; reason: string }): Promise<CancelOutcome> {
  const terms = await findCancelTerms(deps.db, input.reservationId);
  if (!terms || terms.userId !== input.userId) return { kind: 'rejected', code: 'RESERVATION_NOT_FOUND' };
  if (terms.status !== 'PENDING' && terms.status !== 'CONFIRMED') return { kind: 'rejected', code: 'NOT_CANCELABLE' };
  const quote = quoteOf(deps, terms, new Date());
  const reply = await cancelReservation(deps.schedules, {
    scheduleId: terms.scheduleId,
    ...input,
    deadlineMinutes: deps.config.cancelDeadlineMinutes,
    ...(terms.status === 'CONFIRMED' ? { refundAmount: quote.refundAmount } : {}),
  });
  if (!reply.ok) return { kind: 'rejected', code: reply.code === 'SCHEDULE_NOT_FOUND' ? 'RESERVATION_NOT_FOUND' : reply.code };
  if (reply.refund) return { kind: 'canceled', reservation: reply.reservation, refund: await refund(deps, reply.refund) };
  return { kind: 'canceled', reservation: reply.reservation, refund: terms.status === 'CONFIRMED' && terms.paid ? { status: 'NONE', amount: 0 } : null };
}
