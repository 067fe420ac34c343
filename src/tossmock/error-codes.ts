import type { TossErrorBody } from './types.js';

interface CodeInfo {
  status: number;
  ko: string;
  en: string;
}

export type Language = 'ko' | 'en';

// Statuses and messages as Toss documents them (https://docs.tosspayments.com/reference/error-codes);
// Korean by default, English when the request says `Accept-Language: en`
// (https://docs.tosspayments.com/resources/glossary/http-header: `Accept-Language: en-US`). Also the codes
// the TossPayments-Test-Code header can ask for.
const codes: Record<string, CodeInfo> = {
  INVALID_REQUEST: { status: 400, ko: '잘못된 요청입니다.', en: 'The request is invalid.' },
  INVALID_IDEMPOTENCY_KEY: { status: 400, ko: '멱등키 값이 올바르지 않습니다.', en: 'The Idempotency-Key is invalid: it must be 1 to 300 characters.' },
  UNAUTHORIZED_KEY: { status: 401, ko: '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.', en: 'The secret key or client key is not authorized.' },
  INCORRECT_BASIC_AUTH_FORMAT: { status: 401, ko: "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.", en: "Invalid request. Encode the key with a trailing ':'." },
  INVALID_API_KEY: { status: 400, ko: '잘못된 시크릿키 연동 정보 입니다.', en: 'The secret key integration is invalid.' },
  FORBIDDEN_REQUEST: { status: 403, ko: '허용되지 않은 요청입니다.', en: 'The request is not allowed.' },
  NOT_FOUND_PAYMENT: { status: 404, ko: '존재하지 않는 결제 정보 입니다.', en: 'The payment does not exist.' },
  NOT_FOUND_PAYMENT_SESSION: { status: 404, ko: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.', en: 'The payment session has expired or does not exist.' },
  BELOW_MINIMUM_AMOUNT: { status: 400, ko: '신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.', en: 'A card payment must be at least 100 KRW.' },
  ALREADY_PROCESSED_PAYMENT: { status: 400, ko: '이미 처리된 결제 입니다.', en: 'The payment has already been processed.' },
  ALREADY_CANCELED_PAYMENT: { status: 400, ko: '이미 취소된 결제 입니다.', en: 'The payment has already been canceled.' },
  NOT_CANCELABLE_AMOUNT: { status: 403, ko: '취소 할 수 없는 금액 입니다.', en: 'The amount cannot be canceled.' },
  NOT_CANCELABLE_PAYMENT: { status: 403, ko: '취소 할 수 없는 결제 입니다.', en: 'The payment cannot be canceled.' },
  IDEMPOTENT_REQUEST_PROCESSING: { status: 409, ko: '이전 멱등 요청이 처리중입니다.', en: 'A previous request with this Idempotency-Key is still being processed.' },
  REJECT_CARD_COMPANY: { status: 403, ko: '결제 승인이 거절되었습니다.', en: 'The card company refused the payment.' },
  REJECT_CARD_PAYMENT: { status: 403, ko: '한도초과 혹은 잔액부족으로 결제에 실패했습니다.', en: 'The payment failed: over the limit or insufficient balance.' },
  REJECT_ACCOUNT_PAYMENT: { status: 403, ko: '잔액부족으로 결제에 실패했습니다.', en: 'The payment failed: insufficient balance.' },
  INVALID_CARD_EXPIRATION: { status: 400, ko: '카드 정보를 다시 확인해주세요. (유효기간)', en: 'Check the card details (expiry date).' },
  INVALID_CARD_NUMBER: { status: 400, ko: '카드번호를 다시 확인해주세요.', en: 'Check the card number.' },
  INVALID_STOPPED_CARD: { status: 400, ko: '정지된 카드 입니다.', en: 'The card is suspended.' },
  INVALID_CARD_LOST_OR_STOLEN: { status: 400, ko: '분실 혹은 도난 카드입니다.', en: 'The card is reported lost or stolen.' },
  INVALID_REJECT_CARD: { status: 400, ko: '카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.', en: 'The card was refused; contact the card company.' },
  INVALID_PASSWORD: { status: 400, ko: '결제 비밀번호가 일치하지 않습니다.', en: 'The payment password does not match.' },
  EXCEED_MAX_DAILY_PAYMENT_COUNT: { status: 400, ko: '하루 결제 가능 횟수를 초과했습니다.', en: 'The daily number of payments is exceeded.' },
  EXCEED_MAX_PAYMENT_AMOUNT: { status: 400, ko: '하루 결제 가능 금액을 초과했습니다.', en: 'The daily payment amount is exceeded.' },
  EXCEED_MAX_AMOUNT: { status: 400, ko: '거래금액 한도를 초과했습니다.', en: 'The transaction amount limit is exceeded.' },
  EXCEED_MAX_CARD_INSTALLMENT_PLAN: { status: 400, ko: '설정 가능한 최대 할부 개월 수를 초과했습니다.', en: 'The maximum installment plan is exceeded.' },
  NOT_AVAILABLE_PAYMENT: { status: 400, ko: '결제가 불가능한 시간대입니다.', en: 'Payments are not available at this time.' },
  PROVIDER_ERROR: { status: 400, ko: '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.', en: 'A temporary error occurred. Try again shortly.' },
  CARD_PROCESSING_ERROR: { status: 400, ko: '카드사에서 오류가 발생했습니다.', en: 'The card company had an error.' },
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: { status: 500, ko: '결제가 완료되지 않았어요. 다시 시도해주세요.', en: 'The payment was not completed. Try again.' },
  FAILED_INTERNAL_SYSTEM_PROCESSING: { status: 500, ko: '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.', en: 'An internal operation failed. Try again shortly.' },
  UNKNOWN_PAYMENT_ERROR: {
    status: 500,
    ko: '결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요.',
    en: 'The payment failed. If it keeps happening, contact the bank or card company.',
  },
};

/** `Accept-Language: en…` asks for English; anything else (or nothing) gets Toss's default, Korean. */
export function languageOf(header: string | undefined): Language {
  return header && /^\s*en\b/i.test(header) ? 'en' : 'ko';
}

export class TossError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;

  constructor(code: string, detail?: string) {
    const info = codes[code];
    super(info ? withDetail(info.ko, detail) : `${code} (test code)`);
    this.code = code;
    this.detail = detail;
    this.status = info?.status ?? 400;
  }

  messageIn(language: Language): string {
    const info = codes[this.code];
    return info ? withDetail(info[language], this.detail) : this.message;
  }

  toBody(language: Language = 'ko'): TossErrorBody {
    return { code: this.code, message: this.messageIn(language) };
  }
}

const withDetail = (message: string, detail: string | undefined) => (detail ? `${message} (${detail})` : message);
