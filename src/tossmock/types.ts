import type { EventEmitter } from 'node:events';

// The Payment object as Toss Payments v1 (version 2022-11-16) returns it.
// Fields the mock has no source for (virtual accounts, cash receipts, ...)
// are present and null, as they are for a card payment at Toss.

// READY / IN_PROGRESS belong to a checkout session that was not confirmed yet; the mock keeps
// those as sessions and shows a Payment from DONE on, or ABORTED (a refused confirm) and EXPIRED
// (a session that timed out), which carry `failure`.
export type PaymentStatus = 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED' | 'EXPIRED';
export type PaymentMethod = '카드' | '간편결제';

export interface Card {
  amount: number;
  issuerCode: string;
  acquirerCode: string;
  number: string;
  installmentPlanMonths: number;
  approveNo: string;
  useCardPoint: boolean;
  cardType: '신용' | '체크';
  ownerType: '개인' | '법인';
  acquireStatus: 'READY' | 'CANCELED';
  isInterestFree: boolean;
  interestPayer: null;
}

export interface EasyPay {
  provider: string;
  amount: number;
  discountAmount: number;
}

export interface Cancel {
  transactionKey: string;
  cancelReason: string;
  cancelAmount: number;
  taxFreeAmount: number;
  taxExemptionAmount: number;
  refundableAmount: number;
  easyPayDiscountAmount: number;
  canceledAt: string;
  receiptKey: string;
  cancelStatus: 'DONE';
  cancelRequestId: null;
}

export interface Payment {
  mId: string;
  version: '2022-11-16';
  type: 'NORMAL';
  paymentKey: string;
  orderId: string;
  orderName: string;
  lastTransactionKey: string;
  status: PaymentStatus;
  method: PaymentMethod;
  currency: 'KRW';
  country: 'KR';
  totalAmount: number;
  balanceAmount: number;
  suppliedAmount: number;
  vat: number;
  taxFreeAmount: number;
  taxExemptionAmount: number;
  isPartialCancelable: boolean;
  useEscrow: boolean;
  cultureExpense: boolean;
  requestedAt: string;
  approvedAt: string | null;
  card: Card | null;
  easyPay: EasyPay | null;
  cancels: Cancel[] | null;
  virtualAccount: null;
  transfer: null;
  mobilePhone: null;
  giftCertificate: null;
  cashReceipt: null;
  cashReceipts: null;
  discount: null;
  secret: null;
  failure: { code: string; message: string } | null;
  metadata: null;
  receipt: { url: string };
  checkout: { url: string };
}

export interface TossErrorBody {
  code: string;
  message: string;
}

/** One line of `GET /v1/transactions`: an approval or a cancel. */
export interface Transaction {
  mId: string;
  transactionKey: string;
  paymentKey: string;
  orderId: string;
  method: PaymentMethod;
  customerKey: null;
  useEscrow: boolean;
  receiptUrl: string;
  status: 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED';
  transactionAt: string;
  currency: 'KRW';
  amount: number;
}

/** Where the injected latency sits relative to the ledger write. */
export type CommitPoint = 'before' | 'after';

export type Latency = number | { min: number; max: number };

/** Mock-only fault injection; each request reads them once, on arrival. */
export interface MockSwitches {
  latencyMs: Latency;
  failureRate: number;
  dropAfterApprove: boolean;
  /** A share of approved confirms whose answer is dropped (the socket destroyed after the charge). */
  dropRate: number;
  /**
   * `before`: the confirm is written to the ledger, then the latency is served (a lookup during it
   * finds the payment). `after`: the latency is served first and the ledger written at its end, as a
   * slow gateway does: a lookup during it answers 404, a retry with the key 409.
   */
  commit: CommitPoint;
  /** While a confirm for an orderId is running, any other confirm for it answers 409 IDEMPOTENT_REQUEST_PROCESSING. */
  conflictInFlight: boolean;
  /** How long a checkout session may wait for its confirm. */
  sessionTtlMs: number;
}

export interface TossMockOptions extends Partial<MockSwitches> {
  port?: number;
  host?: string;
  secretKey?: string;
  /**
   * Confirm only what the mock's checkout issued (`POST /__mock/checkout`), as at Toss, where the
   * paymentKey comes from the payment widget for one orderId and amount. Default true.
   */
  requireCheckout?: boolean;
  /** Epoch milliseconds; tests pass a fake clock to age idempotency keys. */
  now?: () => number;
}

export interface TossMockEvents {
  /** A confirm arrived and its body was read (before any latency). */
  confirming: [input: { paymentKey: string; orderId: string; amount: number }];
  approved: [payment: Payment];
  canceled: [payment: Payment];
}

export interface TossMock {
  url: string;
  close(): Promise<void>;
  confirmCount(orderId: string): number;
  totalConfirms(): number;
  setSwitches(switches: Partial<MockSwitches>): void;
  /** What the payment widget does: opens a checkout session and hands back its paymentKey. */
  checkout(orderId: string, amount: number): string;
  /** The payment the ledger holds for an order (DONE, CANCELED, ABORTED, …), if any. */
  paymentOf(orderId: string): Payment | undefined;
  /** Every payment that holds money now (balanceAmount > 0), by orderId. */
  balances(): Map<string, number>;
  reset(): void;
  /** 'approved' and 'canceled' as the ledger records them, for tests to await. */
  events: EventEmitter<TossMockEvents>;
}
