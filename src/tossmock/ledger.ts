import {
  approvePayment,
  cancelPayment,
  type CancelInput,
  type CancelOutcome,
  type ConfirmInput,
} from './payment.js';
import type { Payment } from './types.js';

// The gateway's books: every approved payment by paymentKey and by orderId,
// and how many confirms charged each order. Each operation checks and
// records in one synchronous step, so concurrent requests cannot both charge.

export interface Ledger {
  byKey: Map<string, Payment>;
  byOrder: Map<string, string>;
  charges: Map<string, number>;
  totalCharges: number;
}

export type ConfirmOutcome =
  | { ok: true; payment: Payment }
  | { ok: false; code: 'ALREADY_PROCESSED_PAYMENT' };

export type LedgerCancelOutcome = CancelOutcome | { ok: false; code: 'NOT_FOUND_PAYMENT' };

export function createLedger(): Ledger {
  return { byKey: new Map(), byOrder: new Map(), charges: new Map(), totalCharges: 0 };
}

export function clearLedger(ledger: Ledger): void {
  ledger.byKey.clear();
  ledger.byOrder.clear();
  ledger.charges.clear();
  ledger.totalCharges = 0;
}

/** An order is charged once: a second paymentKey for a paid order is refused too. */
export function confirm(ledger: Ledger, input: ConfirmInput, now: number): ConfirmOutcome {
  if (ledger.byKey.has(input.paymentKey) || ledger.byOrder.has(input.orderId)) {
    return { ok: false, code: 'ALREADY_PROCESSED_PAYMENT' };
  }
  const payment = approvePayment(input, now);
  ledger.byKey.set(payment.paymentKey, payment);
  ledger.byOrder.set(payment.orderId, payment.paymentKey);
  ledger.charges.set(payment.orderId, (ledger.charges.get(payment.orderId) ?? 0) + 1);
  ledger.totalCharges++;
  return { ok: true, payment };
}

export function cancel(
  ledger: Ledger,
  paymentKey: string,
  input: CancelInput,
  now: number,
): LedgerCancelOutcome {
  const payment = ledger.byKey.get(paymentKey);
  if (!payment) return { ok: false, code: 'NOT_FOUND_PAYMENT' };
  const outcome = cancelPayment(payment, input, now);
  if (outcome.ok) ledger.byKey.set(paymentKey, outcome.payment);
  return outcome;
}

export function findByKey(ledger: Ledger, paymentKey: string): Payment | undefined {
  return ledger.byKey.get(paymentKey);
}

export function findByOrder(ledger: Ledger, orderId: string): Payment | undefined {
  const paymentKey = ledger.byOrder.get(orderId);
  return paymentKey === undefined ? undefined : ledger.byKey.get(paymentKey);
}
