import { randomUUID } from 'node:crypto';
import { approvePayment, cancelPayment, kstTimestamp, unfinishedPayment, type CancelInput, type CancelOutcome, type ConfirmInput } from './payment.js';
import type { Payment, Transaction } from './types.js';

// The gateway's books: checkout sessions waiting for their confirm, every payment by paymentKey
// and by orderId (the latest one), how many confirms charged each order, and the transaction list
// (approvals and cancels) that GET /v1/transactions pages through. Each operation checks and
// records in one synchronous step, so concurrent requests cannot both charge.

/** Toss: a card payment is at least 100 KRW (BELOW_MINIMUM_AMOUNT). */
export const MINIMUM_AMOUNT = 100;

export interface Session {
  paymentKey: string;
  orderId: string;
  amount: number;
  openedAt: number;
  state: 'READY' | 'DONE' | 'ABORTED' | 'EXPIRED';
}

export interface Ledger {
  sessions: Map<string, Session>;
  sessionsByOrder: Map<string, Set<string>>;
  byKey: Map<string, Payment>;
  byOrder: Map<string, string>;
  charges: Map<string, number>;
  totalCharges: number;
  transactions: Transaction[];
  approvedAtMs: Map<string, number>;
}

export interface LedgerRules {
  requireCheckout: boolean;
  sessionTtlMs: number;
}

export type ConfirmOutcome =
  { ok: true; payment: Payment } | { ok: false; code: 'ALREADY_PROCESSED_PAYMENT' | 'NOT_FOUND_PAYMENT_SESSION' | 'BELOW_MINIMUM_AMOUNT' | 'INVALID_REQUEST'; detail?: string };

export type LedgerCancelOutcome = CancelOutcome | { ok: false; code: 'NOT_FOUND_PAYMENT' };

export function createLedger(): Ledger {
  return { sessions: new Map(), sessionsByOrder: new Map(), byKey: new Map(), byOrder: new Map(), charges: new Map(), totalCharges: 0, transactions: [], approvedAtMs: new Map() };
}

export function clearLedger(ledger: Ledger): void {
  ledger.sessions.clear();
  ledger.sessionsByOrder.clear();
  ledger.byKey.clear();
  ledger.byOrder.clear();
  ledger.charges.clear();
  ledger.totalCharges = 0;
  ledger.transactions.length = 0;
  ledger.approvedAtMs.clear();
}

const charged = (ledger: Ledger, orderId: string) => (ledger.charges.get(orderId) ?? 0) > 0;

/** What the payment widget does before the merchant's success URL: a session for one orderId and amount. */
export function openCheckout(
  ledger: Ledger,
  input: { orderId: string; amount: number },
  now: number,
): { ok: true; session: Session } | { ok: false; code: 'BELOW_MINIMUM_AMOUNT' | 'ALREADY_PROCESSED_PAYMENT' } {
  if (input.amount < MINIMUM_AMOUNT) return { ok: false, code: 'BELOW_MINIMUM_AMOUNT' };
  if (charged(ledger, input.orderId)) return { ok: false, code: 'ALREADY_PROCESSED_PAYMENT' };
  const session: Session = { paymentKey: `tgen_${randomUUID().replaceAll('-', '').slice(0, 20)}`, orderId: input.orderId, amount: input.amount, openedAt: now, state: 'READY' };
  ledger.sessions.set(session.paymentKey, session);
  let keys = ledger.sessionsByOrder.get(input.orderId);
  if (!keys) ledger.sessionsByOrder.set(input.orderId, (keys = new Set()));
  keys.add(session.paymentKey);
  return { ok: true, session };
}

function record(ledger: Ledger, payment: Payment): void {
  ledger.byKey.set(payment.paymentKey, payment);
  ledger.byOrder.set(payment.orderId, payment.paymentKey);
}

/** A session past its time is EXPIRED, once, with a Payment saying so (unless the order was paid another way). */
function expireIfDue(ledger: Ledger, session: Session, rules: LedgerRules, now: number): void {
  if (session.state !== 'READY' || now - session.openedAt < rules.sessionTtlMs) return;
  session.state = 'EXPIRED';
  if (charged(ledger, session.orderId)) return;
  record(ledger, unfinishedPayment(session, 'EXPIRED', { code: 'NOT_FOUND_PAYMENT_SESSION', message: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.' }, now));
}

/** An order is charged once: a second paymentKey for a paid order is refused too. */
export function confirm(ledger: Ledger, input: ConfirmInput, rules: LedgerRules, now: number): ConfirmOutcome {
  if (input.amount < MINIMUM_AMOUNT) return { ok: false, code: 'BELOW_MINIMUM_AMOUNT' };
  const done = ledger.byKey.get(input.paymentKey);
  if ((done && done.status !== 'ABORTED' && done.status !== 'EXPIRED') || charged(ledger, input.orderId)) return { ok: false, code: 'ALREADY_PROCESSED_PAYMENT' };
  if (rules.requireCheckout) {
    const session = ledger.sessions.get(input.paymentKey);
    if (session) expireIfDue(ledger, session, rules, now);
    if (!session || session.state !== 'READY') return { ok: false, code: 'NOT_FOUND_PAYMENT_SESSION' };
    if (session.orderId !== input.orderId) return { ok: false, code: 'INVALID_REQUEST', detail: 'orderId does not match the checkout' };
    if (session.amount !== input.amount) return { ok: false, code: 'INVALID_REQUEST', detail: 'amount does not match the checkout' };
    session.state = 'DONE';
  }
  const payment = approvePayment(input, now);
  record(ledger, payment);
  ledger.charges.set(payment.orderId, (ledger.charges.get(payment.orderId) ?? 0) + 1);
  ledger.totalCharges++;
  ledger.approvedAtMs.set(payment.orderId, now);
  ledger.transactions.push(transactionOf(payment, 'DONE', payment.totalAmount, payment.lastTransactionKey, now));
  return { ok: true, payment };
}

/** A confirm the card company refused: the session ends ABORTED, and a lookup says so with `failure`. */
export function abort(ledger: Ledger, input: ConfirmInput, failure: { code: string; message: string }, now: number): void {
  if (charged(ledger, input.orderId)) return;
  const session = ledger.sessions.get(input.paymentKey);
  if (session && session.state === 'READY') session.state = 'ABORTED';
  record(ledger, unfinishedPayment(input, 'ABORTED', failure, now));
}

export function cancel(ledger: Ledger, paymentKey: string, input: CancelInput, now: number): LedgerCancelOutcome {
  const payment = ledger.byKey.get(paymentKey);
  if (!payment) return { ok: false, code: 'NOT_FOUND_PAYMENT' };
  const outcome = cancelPayment(payment, input, now);
  if (outcome.ok) {
    ledger.byKey.set(paymentKey, outcome.payment);
    ledger.transactions.push(transactionOf(outcome.payment, outcome.payment.status === 'CANCELED' ? 'CANCELED' : 'PARTIAL_CANCELED', outcome.cancel.cancelAmount, outcome.cancel.transactionKey, now));
  }
  return outcome;
}

export function findByKey(ledger: Ledger, paymentKey: string): Payment | undefined {
  return ledger.byKey.get(paymentKey);
}

/**
 * The order's latest payment. An order whose sessions are all still open has none yet (404), as
 * at Toss while a confirm is being processed; one whose sessions all timed out shows EXPIRED.
 */
export function findByOrder(ledger: Ledger, orderId: string, rules: LedgerRules, now: number): Payment | undefined {
  for (const key of ledger.sessionsByOrder.get(orderId) ?? []) {
    const session = ledger.sessions.get(key);
    if (session) expireIfDue(ledger, session, rules, now);
  }
  const paymentKey = ledger.byOrder.get(orderId);
  return paymentKey === undefined ? undefined : ledger.byKey.get(paymentKey);
}

/** Transactions in [from, to), after `startingAfter` (a transactionKey), at most `limit`, oldest first. */
export function listTransactions(ledger: Ledger, q: { from: number; to: number; startingAfter?: string; limit: number }): Transaction[] {
  let start = 0;
  if (q.startingAfter) {
    const at = ledger.transactions.findIndex((t) => t.transactionKey === q.startingAfter);
    start = at < 0 ? ledger.transactions.length : at + 1;
  }
  const out: Transaction[] = [];
  for (let i = start; i < ledger.transactions.length && out.length < q.limit; i++) {
    const t = ledger.transactions[i]!;
    const at = Date.parse(t.transactionAt);
    if (at >= q.from && at < q.to) out.push(t);
  }
  return out;
}

function transactionOf(payment: Payment, status: Transaction['status'], amount: number, transactionKey: string, now: number): Transaction {
  return {
    mId: payment.mId,
    transactionKey,
    paymentKey: payment.paymentKey,
    orderId: payment.orderId,
    method: payment.method,
    customerKey: null,
    useEscrow: false,
    receiptUrl: payment.receipt.url,
    status,
    transactionAt: kstTimestamp(now),
    currency: 'KRW',
    amount,
  };
}
