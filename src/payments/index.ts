import { cancelBooking, cancelQuote } from './cancel.js';
import { FOLLOW_UPS, saveApproval, type FollowUp } from './followups.js';
import { placeOrder } from './order.js';
import { reconcile } from './reconciler.js';
import { reconciliationReport } from './report.js';
import { retryRefund } from './refunds.js';
import type { PaymentDeps } from './types.js';

export type { OrderInput, OrderOutcome } from './order.js';
export type { CancelOutcome, CancelQuote } from './cancel.js';
export type { ReconcileReport } from './reconciler.js';
export type { ReconciliationReport } from './report.js';
export type { RefundState } from './refunds.js';
export type { PaymentGateway, GatewayResult } from './gateway.js';
export type { PaymentDeps, PaymentSummary } from './types.js';
export { languageOf, paymentMessage, type Language, type PaymentMessageCode } from './messages.js';
export { createTossClient } from './toss-client.js';

export interface Payments {
  placeOrder: (input: Parameters<typeof placeOrder>[1]) => ReturnType<typeof placeOrder>;
  cancel: (input: Parameters<typeof cancelBooking>[1]) => ReturnType<typeof cancelBooking>;
  cancelQuote: (input: Parameters<typeof cancelQuote>[1]) => ReturnType<typeof cancelQuote>;
  reconcile: (now?: Date) => ReturnType<typeof reconcile>;
  report: (period: { since: Date; until?: Date }) => ReturnType<typeof reconciliationReport>;
}

/**
 * The payment side of the service. Registers the durable follow-up worker and the periodic
 * reconciler (a repeat on the job queue: once per period across all instances when Redis is
 * there); the first reconcile runs at start, settling what a crash left open.
 */
export function startPayments(deps: PaymentDeps): Payments {
  deps.queues.process<FollowUp, string>(FOLLOW_UPS, 4, (job) => (job.type === 'SaveApproval' ? saveApproval(deps, job) : retryRefund(deps, job.refundId)));
  const run = async () => {
    const report = await reconcile(deps);
    if (report.checked + report.refunded + report.refundsOwed > 0) deps.log.info({ report }, 'payments reconciled');
  };
  deps.queues.repeat('payment-reconcile', deps.config.reconcileIntervalMs, run);
  void run().catch((err) => deps.log.warn({ err }, 'reconcile at start failed; the periodic run will retry'));
  return {
    placeOrder: (input) => placeOrder(deps, input),
    cancel: (input) => cancelBooking(deps, input),
    cancelQuote: (input) => cancelQuote(deps, input),
    reconcile: (now) => reconcile(deps, now),
    report: (period) => reconciliationReport(deps, period),
  };
}
