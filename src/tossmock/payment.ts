import { randomInt, randomUUID } from 'node:crypto';
import type { Cancel, Payment } from './types.js';

// Payments are immutable values: a cancel builds a new Payment, so a body
// kept for an idempotent replay never changes under the client's feet.

const KST_OFFSET_MS = 9 * 60 * 60 * 1000;
const MERCHANT_ID = 'tvivarepublica';

export interface ConfirmInput {
  paymentKey: string;
  orderId: string;
  amount: number;
}

export interface CancelInput {
  cancelReason: string;
  cancelAmount?: number | undefined;
}

/** Toss prints times in Korea time with an explicit offset and no fraction. */
export function kstTimestamp(epochMs: number): string {
  return new Date(epochMs + KST_OFFSET_MS).toISOString().slice(0, 19) + '+09:00';
}

function transactionKey(): string {
  return randomUUID().replaceAll('-', '').toUpperCase();
}

function receiptUrl(txKey: string): string {
  return `https://dashboard.tosspayments.com/receipt/redirection?transactionId=${txKey}&ref=PX`;
}

function taxSplit(amount: number): { suppliedAmount: number; vat: number } {
  const vat = Math.round(amount / 11);
  return { suppliedAmount: amount - vat, vat };
}

// Deterministic per paymentKey, so a test can pick keys for either method.
function paidWithEasyPay(paymentKey: string): boolean {
  let sum = 0;
  for (let i = 0; i < paymentKey.length; i++) sum += paymentKey.charCodeAt(i);
  return sum % 4 === 0;
}

export function approvePayment(input: ConfirmInput, now: number): Payment {
  const txKey = transactionKey();
  const at = kstTimestamp(now);
  const easy = paidWithEasyPay(input.paymentKey);
  return {
    mId: MERCHANT_ID,
    version: '2022-11-16',
    type: 'NORMAL',
    paymentKey: input.paymentKey,
    orderId: input.orderId,
    orderName: '방탈출 예약',
    lastTransactionKey: txKey,
    status: 'DONE',
    method: easy ? '간편결제' : '카드',
    currency: 'KRW',
    country: 'KR',
    totalAmount: input.amount,
    balanceAmount: input.amount,
    ...taxSplit(input.amount),
    taxFreeAmount: 0,
    taxExemptionAmount: 0,
    isPartialCancelable: true,
    useEscrow: false,
    cultureExpense: false,
    requestedAt: at,
    approvedAt: at,
    card: easy
      ? null
      : {
          amount: input.amount,
          issuerCode: '61',
          acquirerCode: '31',
          number: '43301234****123*',
          installmentPlanMonths: 0,
          approveNo: String(randomInt(0, 100_000_000)).padStart(8, '0'),
          useCardPoint: false,
          cardType: '신용',
          ownerType: '개인',
          acquireStatus: 'READY',
          isInterestFree: false,
          interestPayer: null,
        },
    easyPay: easy ? { provider: '토스페이', amount: input.amount, discountAmount: 0 } : null,
    cancels: null,
    virtualAccount: null,
    transfer: null,
    mobilePhone: null,
    giftCertificate: null,
    cashReceipt: null,
    cashReceipts: null,
    discount: null,
    secret: null,
    failure: null,
    metadata: null,
    receipt: { url: receiptUrl(txKey) },
    checkout: { url: `https://api.tosspayments.com/v1/payments/${input.paymentKey}/checkout` },
  };
}

/**
 * A payment that never completed: ABORTED after a refused confirm, EXPIRED when its checkout
 * session timed out. Toss keeps these, with `failure`, so a lookup by orderId can tell that
 * nothing was charged (`status`, and `failure` as https://docs.tosspayments.com/reference/error-codes shows it).
 */
export function unfinishedPayment(input: ConfirmInput, status: 'ABORTED' | 'EXPIRED', failure: { code: string; message: string }, now: number): Payment {
  const txKey = transactionKey();
  return {
    ...approvePayment(input, now),
    lastTransactionKey: txKey,
    status,
    approvedAt: null,
    balanceAmount: 0,
    suppliedAmount: 0,
    vat: 0,
    card: null,
    easyPay: null,
    failure,
  };
}

export type CancelOutcome = { ok: true; payment: Payment; cancel: Cancel } | { ok: false; code: 'ALREADY_CANCELED_PAYMENT' | 'NOT_CANCELABLE_AMOUNT' | 'NOT_CANCELABLE_PAYMENT' };

/** Without cancelAmount the whole remaining balance is canceled, as at Toss. */
export function cancelPayment(payment: Payment, input: CancelInput, now: number): CancelOutcome {
  if (payment.status === 'CANCELED') return { ok: false, code: 'ALREADY_CANCELED_PAYMENT' };
  if (payment.status === 'ABORTED' || payment.status === 'EXPIRED') return { ok: false, code: 'NOT_CANCELABLE_PAYMENT' };
  const amount = input.cancelAmount ?? payment.balanceAmount;
  if (amount > payment.balanceAmount) return { ok: false, code: 'NOT_CANCELABLE_AMOUNT' };

  const balance = payment.balanceAmount - amount;
  const txKey = transactionKey();
  const cancel: Cancel = {
    transactionKey: txKey,
    cancelReason: input.cancelReason,
    cancelAmount: amount,
    taxFreeAmount: 0,
    taxExemptionAmount: 0,
    refundableAmount: balance,
    easyPayDiscountAmount: 0,
    canceledAt: kstTimestamp(now),
    receiptKey: transactionKey(),
    cancelStatus: 'DONE',
    cancelRequestId: null,
  };
  const fully = balance === 0;
  return {
    ok: true,
    cancel,
    payment: {
      ...payment,
      status: fully ? 'CANCELED' : 'PARTIAL_CANCELED',
      lastTransactionKey: txKey,
      balanceAmount: balance,
      ...taxSplit(balance),
      card: payment.card && fully ? { ...payment.card, acquireStatus: 'CANCELED' } : payment.card,
      cancels: [...(payment.cancels ?? []), cancel],
    },
  };
}
