import type { EventEmitter } from 'node:events';

// The Payment object as Toss Payments v1 (version 2022-11-16) returns it.
// Fields the mock has no source for (virtual accounts, cash receipts, ...)
// are present and null, as they are for a card payment at Toss.

export type PaymentStatus = 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED';
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
  approvedAt: string;
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
  failure: null;
  metadata: null;
  receipt: { url: string };
  checkout: { url: string };
}

export interface TossErrorBody {
  code: string;
  message: string;
}

export type Latency = number | { min: number; max: number };

/** Mock-only fault injection; each request reads them once, on arrival. */
export interface MockSwitches {
  latencyMs: Latency;
  failureRate: number;
  dropAfterApprove: boolean;
}

export interface TossMockOptions extends Partial<MockSwitches> {
  port?: number;
  host?: string;
  secretKey?: string;
  /** Epoch milliseconds; tests pass a fake clock to age idempotency keys. */
  now?: () => number;
}

export interface TossMockEvents {
  approved: [payment: Payment];
  canceled: [payment: Payment];
}

export interface TossMock {
  url: string;
  close(): Promise<void>;
  confirmCount(orderId: string): number;
  totalConfirms(): number;
  setSwitches(switches: Partial<MockSwitches>): void;
  reset(): void;
  /** 'approved' and 'canceled' as the ledger records them, for tests to await. */
  events: EventEmitter<TossMockEvents>;
}
