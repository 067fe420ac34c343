/** What the service needs of a card gateway, whatever the gateway is. */

export interface GatewayPayment {
  paymentKey: string;
  orderId: string;
  status: string;
  method: string | null;
  totalAmount: number;
  balanceAmount: number;
  approvedAt: string | null;
  raw: Record<string, unknown>;
}

/**
 * `ok`: the gateway answered with a payment. `rejected`: it answered with an error, so the
 * operation definitely did not happen. `unknown`: no usable answer (timeout, connection error,
 * 5xx): the operation may or may not have happened, and only a lookup can tell.
 */
export type GatewayResult =
  | { kind: 'ok'; payment: GatewayPayment }
  | { kind: 'rejected'; httpStatus: number; code: string; message: string }
  | { kind: 'unknown'; reason: string; code?: string; message?: string };

export interface PaymentGateway {
  confirm(input: { paymentKey: string; orderId: string; amount: number }, idempotencyKey: string): Promise<GatewayResult>;
  cancel(paymentKey: string, input: { reason: string; amount?: number }, idempotencyKey: string): Promise<GatewayResult>;
  findByOrderId(orderId: string): Promise<GatewayResult>;
}

/** Codes that are the merchant's or the gateway's fault, not the card holder's. */
const MERCHANT_OR_GATEWAY_FAULT = new Set(['UNAUTHORIZED_KEY', 'INCORRECT_BASIC_AUTH_FORMAT', 'INVALID_API_KEY', 'FORBIDDEN_REQUEST', 'UNKNOWN_PAYMENT_ERROR']);

export const isMerchantOrGatewayFault = (code: string): boolean => MERCHANT_OR_GATEWAY_FAULT.has(code) || code.startsWith('FAILED_');
