import { dueAttempts, openAttemptBacklog, postponeCheck, type OpenAttempt } from '../db/repositories/payment-attempts.js';
import { dueRefunds } from '../db/repositories/payments.js';
import { findReservationRef } from '../db/repositories/reservation-refs.js';
import { judge, lookupVerdict, type ConfirmVerdict } from './confirm.js';
import { refundOrphan, retryRefund } from './refunds.js';
import { applyApproval, applyDecline, toNewPayment } from './settle.js';
import type { PaymentDeps } from './types.js';

export interface ReconcileReport {
  /** Attempts looked at in this run. */
  checked: number;
  confirmed: number;
  /** Approvals for reservations that were gone, refunded. */
  refundedOrphans: number;
  released: number;
  /** Attempts past the horizon, canceled at the gateway. */
  voided: number;
  undecided: number;
  refunded: number;
  refundsOwed: number;
  /** True when the time budget ran out before the backlog did. */
  outOfTime: boolean;
  /** Attempts due a look and still open after the run. */
  backlog: number;
}

const PAGE = 100;
/** The code an attempt is settled with when it had charged and was canceled past the horizon. */
const VOIDED = 'VOIDED';

/**
 * The ledger sweep. Every payment attempt without a definite outcome (still running past its
 * check time, or UNKNOWN), whatever its reservation's status, is settled by asking the gateway
 * about its orderId: approved → CONFIRMED (or refunded if the reservation is gone); ABORTED or
 * EXPIRED → released. When the gateway has no payment yet, the confirm is sent again under the
 * attempt's own key (the gateway replays its answer, or says it is still running). Anything still
 * not definite is looked at again later, with a doubling backoff; past the horizon the attempt is
 * voided at the gateway. Refunds still owed are tried again. Pages until done or until the time
 * budget runs out; what is left is the backlog.
 */
export async function reconcile(deps: PaymentDeps, now = new Date()): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, confirmed: 0, refundedOrphans: 0, released: 0, voided: 0, undecided: 0, refunded: 0, refundsOwed: 0, outOfTime: false, backlog: 0 };
  const stopAt = Date.now() + deps.config.reconcileBudgetMs;

  let cursor: { at: Date; id: number } | undefined;
  sweep: for (;;) {
    const page = await dueAttempts(deps.db, now, PAGE, cursor);
    for (const attempt of page) {
      if (Date.now() >= stopAt) {
        report.outOfTime = true;
        break sweep;
      }
      report.checked += 1;
      await settleOne(deps, attempt, now, report).catch(async (err: unknown) => {
        deps.log.warn({ err, attemptId: attempt.id }, 'could not settle a payment attempt; it will be looked at again');
        await postpone(deps, attempt, now, 'reconcile failed');
        report.undecided += 1;
      });
      cursor = { at: attempt.nextCheckAt, id: attempt.id };
    }
    if (page.length < PAGE) break;
  }

  const before = new Date(now.getTime() - deps.config.reconcileAfterMs);
  refunds: for (;;) {
    const page = await dueRefunds(deps.db, before, PAGE);
    for (const owed of page) {
      if (Date.now() >= stopAt) {
        report.outOfTime = true;
        break refunds;
      }
      try {
        await retryRefund(deps, owed.id);
        report.refunded += 1;
      } catch {
        report.refundsOwed += 1;
      }
    }
    // A refund that failed again was touched (updated_at), so the next page holds only new ones.
    if (page.length < PAGE) break;
  }

  report.backlog = await openAttemptBacklog(deps.db, now);
  deps.onBacklog?.(report.backlog, report.refundsOwed);
  return report;
}

async function settleOne(deps: PaymentDeps, a: OpenAttempt, now: Date, report: ReconcileReport): Promise<void> {
  const ref = await findReservationRef(deps.db, a.reservationId);
  const request = { paymentKey: a.paymentKey, orderId: a.orderId, amount: a.amount };
  const pastHorizon = now.getTime() - a.createdAt.getTime() >= deps.config.paymentSettleHorizonMs;
  const found = await deps.gateway.findByOrderId(a.orderId);
  let verdict: ConfirmVerdict | null = lookupVerdict(found, request);

  const notFound = found.kind === 'rejected' && found.code === 'NOT_FOUND_PAYMENT';
  if (!verdict && notFound && !pastHorizon && ref?.status === 'PAYMENT_IN_PROGRESS') {
    // Ask again under the attempt's own key: at most one charge, and a definite answer once the first has finished.
    const again = await judge(deps.gateway, request, await deps.gateway.confirm(request, a.idempotencyKey));
    verdict = again.kind === 'unknown' ? null : again;
  }
  if (!verdict && pastHorizon) verdict = await voidAttempt(deps, a, report);

  if (!verdict) {
    await postpone(deps, a, now, found.kind === 'unknown' ? found.reason : 'no definite answer yet');
    report.undecided += 1;
    return;
  }
  if (!ref) throw new Error(`payment attempt ${a.id} has no reservation`);
  const at = { scheduleId: ref.scheduleId, reservationId: a.reservationId, attemptId: a.id };
  if (verdict.kind === 'approved') {
    const applied = await applyApproval(deps, at, verdict.payment);
    if (applied.kind === 'confirmed') report.confirmed += 1;
    else if (applied.kind === 'refunded') report.refundedOrphans += 1;
    else {
      await postpone(deps, a, now, `approval not saved: ${applied.code}`);
      report.undecided += 1;
    }
    return;
  }
  if (verdict.kind === 'unknown') throw new Error('unreachable: unknown verdicts are postponed');
  // A charge voided at the gateway used up the order: the booking is let go rather than left payable.
  const reply = await applyDecline(deps, at, verdict, { expire: verdict.kind === 'declined' && verdict.code === VOIDED });
  if (reply.ok || reply.code === 'ATTEMPT_SETTLED') report.released += 1;
  else {
    await postpone(deps, a, now, `decline not saved: ${reply.code}`);
    report.undecided += 1;
  }
}

/**
 * Past the horizon the gateway can no longer approve the attempt (its checkout session is over),
 * yet we could not learn what it did: cancel by its paymentKey. A cancel that succeeds means it
 * had charged: the money goes back, recorded as a refund of a payment for a reservation we let go.
 * NOT_FOUND_PAYMENT means it never charged. Anything else: try again later.
 */
async function voidAttempt(deps: PaymentDeps, a: OpenAttempt, report: ReconcileReport): Promise<ConfirmVerdict | null> {
  const result = await deps.gateway.cancel(a.paymentKey, { reason: 'payment outcome unknown past the settlement horizon' }, `void:${a.orderId}:${a.paymentKey}`.slice(0, 300));
  if (result.kind === 'rejected' && result.code === 'NOT_FOUND_PAYMENT') {
    report.voided += 1;
    return { kind: 'declined', code: 'NOT_FOUND_PAYMENT', message: 'voided past the settlement horizon: the gateway never charged it', counts: false };
  }
  if (result.kind !== 'ok') return null;
  report.voided += 1;
  // Recorded as a payment owed back in full; the refund is verified against the cancel just made.
  await refundOrphan(deps, toNewPayment(a.reservationId, result.payment), null);
  return { kind: 'declined', code: VOIDED, message: 'charged, then canceled at the gateway past the settlement horizon', counts: false };
}

async function postpone(deps: PaymentDeps, a: OpenAttempt, now: Date, reason: string): Promise<void> {
  const wait = Math.min(deps.config.reconcileAfterMs * 2 ** a.checks, deps.config.reconcileMaxBackoffMs);
  await postponeCheck(deps.db, a.id, new Date(now.getTime() + wait), reason);
}
