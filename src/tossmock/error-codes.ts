import type { TossErrorBody } from './types.js';

interface CodeInfo {
  status: number;
  message: string;
}

// Statuses and messages as Toss documents them; also the codes that the
// TossPayments-Test-Code header can ask for.
const codes: Record<string, CodeInfo> = {
  INVALID_REQUEST: { status: 400, message: '잘못된 요청입니다.' },
  UNAUTHORIZED_KEY: { status: 401, message: '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.' },
  INCORRECT_BASIC_AUTH_FORMAT: {
    status: 401,
    message: "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.",
  },
  INVALID_API_KEY: { status: 400, message: '잘못된 시크릿키 연동 정보 입니다.' },
  FORBIDDEN_REQUEST: { status: 403, message: '허용되지 않은 요청입니다.' },
  NOT_FOUND_PAYMENT: { status: 404, message: '존재하지 않는 결제 정보 입니다.' },
  NOT_FOUND_PAYMENT_SESSION: {
    status: 404,
    message: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.',
  },
  ALREADY_PROCESSED_PAYMENT: { status: 400, message: '이미 처리된 결제 입니다.' },
  ALREADY_CANCELED_PAYMENT: { status: 400, message: '이미 취소된 결제 입니다.' },
  NOT_CANCELABLE_AMOUNT: { status: 403, message: '취소 할 수 없는 금액 입니다.' },
  NOT_CANCELABLE_PAYMENT: { status: 403, message: '취소 할 수 없는 결제 입니다.' },
  IDEMPOTENT_REQUEST_PROCESSING: { status: 409, message: '이전 멱등 요청이 처리중입니다.' },
  REJECT_CARD_COMPANY: { status: 403, message: '결제 승인이 거절되었습니다.' },
  REJECT_CARD_PAYMENT: { status: 403, message: '한도초과 혹은 잔액부족으로 결제에 실패했습니다.' },
  REJECT_ACCOUNT_PAYMENT: { status: 403, message: '잔액부족으로 결제에 실패했습니다.' },
  INVALID_CARD_EXPIRATION: { status: 400, message: '카드 정보를 다시 확인해주세요. (유효기간)' },
  INVALID_CARD_NUMBER: { status: 400, message: '카드번호를 다시 확인해주세요.' },
  INVALID_STOPPED_CARD: { status: 400, message: '정지된 카드 입니다.' },
  INVALID_CARD_LOST_OR_STOLEN: { status: 400, message: '분실 혹은 도난 카드입니다.' },
  INVALID_REJECT_CARD: {
    status: 400,
    message: '카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.',
  },
  INVALID_PASSWORD: { status: 400, message: '결제 비밀번호가 일치하지 않습니다.' },
  EXCEED_MAX_DAILY_PAYMENT_COUNT: { status: 400, message: '하루 결제 가능 횟수를 초과했습니다.' },
  EXCEED_MAX_PAYMENT_AMOUNT: { status: 400, message: '하루 결제 가능 금액을 초과했습니다.' },
  EXCEED_MAX_AMOUNT: { status: 400, message: '거래금액 한도를 초과했습니다.' },
  EXCEED_MAX_CARD_INSTALLMENT_PLAN: {
    status: 400,
    message: '설정 가능한 최대 할부 개월 수를 초과했습니다.',
  },
  NOT_AVAILABLE_PAYMENT: { status: 400, message: '결제가 불가능한 시간대입니다.' },
  PROVIDER_ERROR: {
    status: 400,
    message: '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.',
  },
  CARD_PROCESSING_ERROR: { status: 400, message: '카드사에서 오류가 발생했습니다.' },
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: {
    status: 500,
    message: '결제가 완료되지 않았어요. 다시 시도해주세요.',
  },
  FAILED_INTERNAL_SYSTEM_PROCESSING: {
    status: 500,
    message: '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.',
  },
  UNKNOWN_PAYMENT_ERROR: {
    status: 500,
    message: '결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요.',
  },
};

export class TossError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(code: string, detail?: string) {
    const info = codes[code];
    super(info ? (detail ? `${info.message} (${detail})` : info.message) : `${code} (test code)`);
    this.code = code;
    this.status = info?.status ?? 400;
  }

  toBody(): TossErrorBody {
    return { code: this.code, message: this.message };
  }
}
