import type { GatewayPayment } from './gateway.js';
import { applyApproval } from './settle.js';
import type { PaymentDeps } from './types.js';

/** Durable work the API has promised and must not drop: saving an approval, retrying a refund. */
export type FollowUp = { type: 'SaveApproval'; scheduleId: number; reservationId: number; attemptId: number | null; payment: GatewayPayment } | { type: 'Refund'; refundId: number };

export const FOLLOW_UPS = 'payment-followups';

const RETRY = { attempts: 12, backoff: { type: 'exponential' as const, delayMs: 500 } };

export async function scheduleFollowUp(deps: Pick<PaymentDeps, 'queues' | 'log'>, job: FollowUp): Promise<boolean> {
  const jobId = job.type === 'SaveApproval' ? `save-${job.reservationId}` : `refund-${job.refundId}-${Date.now()}`;
  try {
    await deps.queues.add(FOLLOW_UPS, job, { ...RETRY, jobId });
    return true;
  } catch (err) {
    // The reconciler still finds the attempt (or the refund) in the database.
    deps.log.error({ err, job: job.type }, 'could not queue a payment follow-up; the reconciler will pick it up');
    return false;
  }
}

/** Saves an approval through the schedule actor; throws so the queue retries while it cannot. */
export async function saveApproval(deps: PaymentDeps, job: Extract<FollowUp, { type: 'SaveApproval' }>): Promise<string> {
  const applied = await applyApproval(deps, job, job.payment);
  if (applied.kind === 'confirmed') return 'CONFIRMED';
  if (applied.kind === 'refunded') return 'reservation gone; refunded';
  throw new Error(`approval not saved yet: ${applied.code}`);
}
