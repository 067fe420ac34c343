/**
 * What a Toss error code means for a confirm. The classes follow Toss's error-code reference
 * (https://docs.tosspayments.com/reference/error-codes, "결제 승인" section) and its guidance for
 * each code: card and account refusals are the card holder's (DECLINED, counted towards
 * MAX_PAYMENT_ATTEMPTS); codes Toss describes as temporary ("잠시 후 다시 시도해주세요") are
 * RETRYABLE; the merchant's own mistakes and a session that is gone are REFUSED (nothing was
 * charged, but it is not the card holder's fault, so it is not counted); a 409 while the first
 * request runs is UNKNOWN (https://docs.tosspayments.com/guides/using-api/idempotency-key).
 * A code not in the table is UNKNOWN: only a lookup may then say what happened.
 */
export type CodeClass = 'DECLINED' | 'REFUSED' | 'RETRYABLE' | 'UNKNOWN';

const TABLE: Record<string, CodeClass> = {
  REJECT_CARD_COMPANY: 'DECLINED',
  REJECT_CARD_PAYMENT: 'DECLINED',
  REJECT_ACCOUNT_PAYMENT: 'DECLINED',
  INVALID_CARD_EXPIRATION: 'DECLINED',
  INVALID_CARD_NUMBER: 'DECLINED',
  INVALID_STOPPED_CARD: 'DECLINED',
  INVALID_CARD_LOST_OR_STOLEN: 'DECLINED',
  INVALID_REJECT_CARD: 'DECLINED',
  INVALID_PASSWORD: 'DECLINED',
  EXCEED_MAX_DAILY_PAYMENT_COUNT: 'DECLINED',
  EXCEED_MAX_PAYMENT_AMOUNT: 'DECLINED',
  EXCEED_MAX_AMOUNT: 'DECLINED',
  EXCEED_MAX_CARD_INSTALLMENT_PLAN: 'DECLINED',
  NOT_AVAILABLE_PAYMENT: 'DECLINED',
  BELOW_MINIMUM_AMOUNT: 'DECLINED',

  PROVIDER_ERROR: 'RETRYABLE',
  CARD_PROCESSING_ERROR: 'RETRYABLE',
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: 'RETRYABLE',
  FAILED_INTERNAL_SYSTEM_PROCESSING: 'RETRYABLE',
  UNKNOWN_PAYMENT_ERROR: 'RETRYABLE',

  UNAUTHORIZED_KEY: 'REFUSED',
  INCORRECT_BASIC_AUTH_FORMAT: 'REFUSED',
  INVALID_API_KEY: 'REFUSED',
  FORBIDDEN_REQUEST: 'REFUSED',
  INVALID_REQUEST: 'REFUSED',
  INVALID_IDEMPOTENCY_KEY: 'REFUSED',
  NOT_FOUND_PAYMENT_SESSION: 'REFUSED',

  IDEMPOTENT_REQUEST_PROCESSING: 'UNKNOWN',
};

export const classOf = (code: string): CodeClass => TABLE[code] ?? 'UNKNOWN';

/** Refusals that are ours or the gateway's, not the card holder's: answered 502, not 4xx. */
const OURS = new Set(['UNAUTHORIZED_KEY', 'INCORRECT_BASIC_AUTH_FORMAT', 'INVALID_API_KEY', 'FORBIDDEN_REQUEST', 'INVALID_REQUEST', 'INVALID_IDEMPOTENCY_KEY']);
export const isOurFault = (code: string): boolean => OURS.has(code);
