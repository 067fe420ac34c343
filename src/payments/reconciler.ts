import { settlePayment } from '../actors/schedule/index.js';
import { dueRefunds } from '../db/repositories/payments.js';
import { stuckPayments } from '../db/repositories/reservation-refs.js';
import { toNewPayment } from './order.js';
import { refundOrphan, retryRefund } from './refunds.js';
import type { PaymentDeps } from './types.js';

export interface ReconcileReport {
  confirmed: number;
  released: number;
  undecided: number;
  refunded: number;
  refundsOwed: number;
}

const PAGE = 100;

/**
 * Settles what a crash, a timeout or a failed save left open. A reservation in
 * PAYMENT_IN_PROGRESS for longer than the client's timeout is looked up at the gateway by its
 * order id: approved → CONFIRMED; no payment → back to PENDING (or EXPIRED past its deadline).
 * Refunds still owed are tried again.
 */
export async function reconcile(deps: PaymentDeps, now = new Date()): Promise<ReconcileReport> {
  const report: ReconcileReport = { confirmed: 0, released: 0, undecided: 0, refunded: 0, refundsOwed: 0 };
  const before = new Date(now.getTime() - deps.config.reconcileAfterMs);

  for (const stuck of await stuckPayments(deps.db, before, PAGE)) {
    const found = await deps.gateway.findByOrderId(stuck.orderId);
    if (found.kind === 'ok' && found.payment.status === 'DONE') {
      const reply = await settlePayment(deps.schedules, { scheduleId: stuck.scheduleId, reservationId: stuck.id, outcome: { kind: 'approved', payment: toNewPayment(stuck.id, found.payment) } });
      if (reply.ok) report.confirmed += 1;
      else if (reply.code === 'RESERVATION_NOT_PAYABLE') await refundOrphan(deps, toNewPayment(stuck.id, found.payment));
      else report.undecided += 1;
    } else if (found.kind === 'rejected' && found.code === 'NOT_FOUND_PAYMENT') {
      const reply = await settlePayment(deps.schedules, { scheduleId: stuck.scheduleId, reservationId: stuck.id, outcome: { kind: 'declined' } });
      if (reply.ok) report.released += 1;
      else report.undecided += 1;
    } else {
      report.undecided += 1;
    }
  }

  for (const owed of await dueRefunds(deps.db, before, PAGE)) {
    try {
      await retryRefund(deps, owed.id);
      report.refunded += 1;
    } catch {
      report.refundsOwed += 1;
    }
  }
  return report;
}
