import { settlePayment } from '../actors/schedule/index.js';
import type { NewPayment } from '../db/repositories/payments.js';
import type { PaymentDeps } from './types.js';

/** Durable work the API has promised and must not drop: saving an approval, retrying a refund. */
export type FollowUp =
  | { type: 'SaveApproval'; scheduleId: number; reservationId: number; payment: Omit<NewPayment, 'reservationId' | 'approvedAt'> & { approvedAt: string | null } }
  | { type: 'Refund'; paymentId: number };

export const FOLLOW_UPS = 'payment-followups';

const RETRY = { attempts: 12, backoff: { type: 'exponential' as const, delayMs: 500 } };

export async function scheduleFollowUp(deps: Pick<PaymentDeps, 'queues' | 'log'>, job: FollowUp): Promise<boolean> {
  const jobId = job.type === 'SaveApproval' ? `save-${job.reservationId}` : `refund-${job.paymentId}-${Date.now()}`;
  try {
    await deps.queues.add(FOLLOW_UPS, job, { ...RETRY, jobId });
    return true;
  } catch (err) {
    // The reconciler still finds the reservation (or the refund) in the database.
    deps.log.error({ err, job: job.type }, 'could not queue a payment follow-up; the reconciler will pick it up');
    return false;
  }
}

/** Saves an approval through the schedule actor; throws so the queue retries while it cannot. */
export async function saveApproval(deps: Pick<PaymentDeps, 'schedules'>, job: Extract<FollowUp, { type: 'SaveApproval' }>): Promise<string> {
  const reply = await settlePayment(deps.schedules, {
    scheduleId: job.scheduleId,
    reservationId: job.reservationId,
    outcome: { kind: 'approved', payment: { ...job.payment, approvedAt: job.payment.approvedAt ? new Date(job.payment.approvedAt) : null } },
  });
  if (reply.ok) return reply.reservation.status;
  if (reply.code === 'RESERVATION_NOT_PAYABLE') return 'reservation gone; refund handled by the reconciler';
  throw new Error(`approval not saved yet: ${reply.code}`);
}
