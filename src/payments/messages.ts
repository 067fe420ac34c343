/**
 * Our own words for payment outcomes, in English, or Korean when the client asks with
 * `Accept-Language: ko`. The gateway's code goes alongside in `gatewayCode`; its text never
 * reaches the client (it is Korean by default and written for merchants).
 */
export type Language = 'en' | 'ko';

export type PaymentMessageCode = 'PAYMENT_DECLINED' | 'PAYMENT_SESSION_INVALID' | 'PAYMENT_GATEWAY_ERROR' | 'PAYMENT_RETRY_LATER' | 'PAYMENT_PENDING' | 'PAY_ON_SITE';

const MESSAGES: Record<PaymentMessageCode, Record<Language, string>> = {
  PAYMENT_DECLINED: { en: 'The card was declined; nothing was charged.', ko: '카드 결제가 거절되었습니다. 청구된 금액은 없습니다.' },
  PAYMENT_SESSION_INVALID: {
    en: 'The payment session is no longer valid; start the payment again. Nothing was charged.',
    ko: '결제 세션이 유효하지 않습니다. 결제를 다시 시작해 주세요. 청구된 금액은 없습니다.',
  },
  PAYMENT_GATEWAY_ERROR: { en: 'The card gateway could not take the payment; nothing was charged.', ko: '결제 대행사에서 결제를 처리하지 못했습니다. 청구된 금액은 없습니다.' },
  PAYMENT_RETRY_LATER: {
    en: 'The card company had a temporary problem; nothing was charged. Try again shortly.',
    ko: '카드사에 일시적인 문제가 있습니다. 청구된 금액은 없습니다. 잠시 후 다시 시도해 주세요.',
  },
  PAYMENT_PENDING: {
    en: 'The gateway has not given a definite answer yet; the payment will be settled shortly and you will not be charged twice. Poll the Location for its outcome.',
    ko: '결제 결과를 아직 확인하지 못했습니다. 곧 확정되며 이중 청구되지 않습니다. Location 주소에서 결과를 확인해 주세요.',
  },
  PAY_ON_SITE: { en: 'Too many declined payments for this reservation: please pay on site.', ko: '이 예약의 결제가 여러 번 거절되었습니다. 현장에서 결제해 주세요.' },
};

export const languageOf = (header: string | undefined): Language => (header && /^\s*ko\b/i.test(header) ? 'ko' : 'en');

export const paymentMessage = (code: PaymentMessageCode, language: Language): string => MESSAGES[code][language];
