import { cancelReservation, type Failure, type ReservationSummary } from '../actors/schedule/index.js';
import { findReservationRef } from '../db/repositories/reservation-refs.js';
import { refund, type RefundState } from './refunds.js';
import type { PaymentDeps } from './types.js';

export type CancelOutcome =
  | { kind: 'canceled'; reservation: ReservationSummary; refund: RefundState | null }
  | { kind: 'rejected'; code: 'RESERVATION_NOT_FOUND' | 'NOT_CANCELABLE' | Failure['code'] };

/**
 * POST /reservations/:id/cancel: the schedule actor cancels the reservation, frees the slot and
 * (for a paid one) marks the payment as owed a refund, all in one transaction; the refund itself
 * goes to the gateway afterwards and is retried until it is done.
 */
export async function cancelBooking(deps: PaymentDeps, input: { userId: number; reservationId: number; reason: string }): Promise<CancelOutcome> {
  const ref = await findReservationRef(deps.db, input.reservationId);
  if (!ref || ref.userId !== input.userId) return { kind: 'rejected', code: 'RESERVATION_NOT_FOUND' };
  if (ref.status !== 'PENDING' && ref.status !== 'CONFIRMED') return { kind: 'rejected', code: 'NOT_CANCELABLE' };
  const reply = await cancelReservation(deps.schedules, { scheduleId: ref.scheduleId, ...input, deadlineMinutes: deps.config.cancelDeadlineMinutes });
  if (!reply.ok) return { kind: 'rejected', code: reply.code === 'SCHEDULE_NOT_FOUND' ? 'RESERVATION_NOT_FOUND' : reply.code };
  return { kind: 'canceled', reservation: reply.reservation, refund: reply.refund ? await refund(deps, reply.refund) : null };
}
