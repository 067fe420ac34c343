import type { GatewayPayment, GatewayResult, PaymentGateway } from './gateway.js';

/** What became of a confirm once every doubt that can be cleared now has been. */
export type ConfirmVerdict =
  | { kind: 'approved'; payment: GatewayPayment }
  | { kind: 'declined'; httpStatus: number; code: string; message: string }
  | { kind: 'unknown'; reason: string };

export interface ConfirmRequest {
  paymentKey: string;
  orderId: string;
  amount: number;
}

/** The same key for every try of one attempt: the gateway then charges it at most once. */
export const confirmKey = (r: ConfirmRequest): string => `confirm:${r.orderId}:${r.paymentKey}`.slice(0, 300);

const isDone = (p: GatewayPayment, r: ConfirmRequest) => p.status === 'DONE' && p.orderId === r.orderId && p.totalAmount === r.amount;

/**
 * Confirms a payment. When the outcome is unknown (timeout, connection error, 5xx) it looks the
 * order up before deciding anything, and retries the confirm only with the same idempotency key.
 */
export async function confirmPayment(gateway: PaymentGateway, request: ConfirmRequest): Promise<ConfirmVerdict> {
  const first = await gateway.confirm(request, confirmKey(request));
  const verdict = await judge(gateway, request, first);
  if (verdict.kind !== 'unknown' || first.kind !== 'unknown' || first.code) return verdict;
  // No answer at all: the first request may still be running at the gateway. Ask again with the
  // same key: the gateway replays its answer, or says it is still processing.
  return judge(gateway, request, await gateway.confirm(request, confirmKey(request)));
}

async function judge(gateway: PaymentGateway, request: ConfirmRequest, result: GatewayResult): Promise<ConfirmVerdict> {
  if (result.kind === 'ok') {
    if (isDone(result.payment, request)) return { kind: 'approved', payment: result.payment };
    return { kind: 'unknown', reason: `gateway returned a payment in status ${result.payment.status}` };
  }
  if (result.kind === 'rejected' && result.code !== 'ALREADY_PROCESSED_PAYMENT') {
    return { kind: 'declined', httpStatus: result.httpStatus, code: result.code, message: result.message };
  }
  const found = await gateway.findByOrderId(request.orderId);
  if (found.kind === 'ok' && isDone(found.payment, request)) return { kind: 'approved', payment: found.payment };
  if (found.kind === 'rejected' && found.code === 'NOT_FOUND_PAYMENT' && result.kind === 'unknown' && result.code) {
    // The gateway answered (5xx) and holds no payment for the order: nothing was charged.
    return { kind: 'declined', httpStatus: 502, code: result.code, message: result.message ?? 'the card gateway failed' };
  }
  if (result.kind === 'rejected') return { kind: 'declined', httpStatus: result.httpStatus, code: result.code, message: result.message };
  return { kind: 'unknown', reason: result.reason };
}
