import { classOf } from './codes.js';
import type { GatewayPayment, GatewayResult, PaymentGateway } from './gateway.js';

/**
 * What became of a confirm once every doubt that can be cleared now has been:
 * - approved: the gateway holds the money for this paymentKey;
 * - declined: a definite refusal, nothing charged (`counts` when it was the card holder's);
 * - retryable: definite, nothing charged, but temporary (Toss says: try again shortly);
 * - unknown: no definite answer yet (timeout, 5xx, 409 while in flight, a lookup that cannot tell).
 *   Only the gateway may settle it later; it is never reported as "nothing charged".
 */
export type ConfirmVerdict =
  | { kind: 'approved'; payment: GatewayPayment }
  | { kind: 'declined'; code: string; message: string; counts: boolean }
  | { kind: 'retryable'; code: string; message: string }
  | { kind: 'unknown'; reason: string; code: string | null };

export interface ConfirmRequest {
  paymentKey: string;
  orderId: string;
  amount: number;
}

/** One key per generation of one attempt: every try of a generation can charge at most once. */
export const confirmKey = (r: ConfirmRequest, generation = 0): string => `confirm:${r.orderId}:${r.paymentKey}${generation ? `:${generation}` : ''}`.slice(0, 300);

const isOurs = (p: GatewayPayment, r: ConfirmRequest) => p.orderId === r.orderId && p.paymentKey === r.paymentKey;
const isApproval = (p: GatewayPayment, r: ConfirmRequest) => isOurs(p, r) && p.totalAmount === r.amount && (p.status === 'DONE' || p.status === 'PARTIAL_CANCELED' || p.status === 'CANCELED');

/** What a lookup by orderId says about this attempt: approved, ended without a charge, or nothing definite. */
export function lookupVerdict(found: GatewayResult, r: ConfirmRequest): ConfirmVerdict | null {
  if (found.kind !== 'ok') return null;
  const p = found.payment;
  if (isApproval(p, r)) return { kind: 'approved', payment: p };
  if (isOurs(p, r) && (p.status === 'ABORTED' || p.status === 'EXPIRED')) {
    const code = p.failure?.code ?? p.status;
    return { kind: 'declined', code, message: p.failure?.message ?? `the payment is ${p.status}`, counts: classOf(code) === 'DECLINED' };
  }
  // Another paymentKey's payment, or one still READY / IN_PROGRESS: says nothing definite about this one.
  return null;
}

export interface ConfirmOptions {
  /** Further tries after the first (same key after no answer, a new key after a retryable refusal). */
  retries: number;
  backoffMs: number;
  /** Told before a try goes out under a new key, so the key is on record should we crash. */
  onNewKey?: (key: string) => Promise<void>;
}

export interface ConfirmResult {
  verdict: ConfirmVerdict;
  /** The key of the last confirm sent: a later retry must reuse it. */
  key: string;
}

/**
 * Confirms a payment. A definite answer ends it. No answer (timeout, connection error, 5xx, 409)
 * is followed by a lookup by orderId, then a retry under the same key (the gateway replays its
 * answer, or says it is still processing); a retryable refusal by a retry under a new key.
 */
export async function confirmPayment(gateway: PaymentGateway, request: ConfirmRequest, options: ConfirmOptions): Promise<ConfirmResult> {
  let generation = 0;
  let key = confirmKey(request, generation);
  for (let attempt = 0; ; attempt += 1) {
    const last = attempt >= options.retries;
    const verdict = await judge(gateway, request, await gateway.confirm(request, key));
    if (verdict.kind === 'approved' || verdict.kind === 'declined' || last) return { verdict, key };
    await new Promise((r) => setTimeout(r, options.backoffMs * 2 ** attempt));
    if (verdict.kind === 'retryable') {
      generation += 1;
      key = confirmKey(request, generation);
      await options.onNewKey?.(key);
    }
  }
}

/** One answer, judged; an answer that is not definite is followed by a lookup. */
export async function judge(gateway: PaymentGateway, request: ConfirmRequest, result: GatewayResult): Promise<ConfirmVerdict> {
  if (result.kind === 'ok') {
    if (isApproval(result.payment, request)) return { kind: 'approved', payment: result.payment };
    return { kind: 'unknown', reason: `gateway returned a payment in status ${result.payment.status}`, code: null };
  }
  if (result.kind === 'rejected') {
    const cls = classOf(result.code);
    if (cls === 'DECLINED' || cls === 'REFUSED') return { kind: 'declined', code: result.code, message: result.message, counts: cls === 'DECLINED' };
    if (cls === 'RETRYABLE') return { kind: 'retryable', code: result.code, message: result.message };
  }
  // No answer, a 5xx, a 409 in flight, ALREADY_PROCESSED_PAYMENT, or a code we do not know: ask.
  const looked = lookupVerdict(await gateway.findByOrderId(request.orderId), request);
  if (looked) return looked;
  // A 5xx (even one Toss calls temporary) with a lookup that finds nothing stays unknown: it is
  // retried under the same key, never a new one, because the first may still be charging.
  if (result.kind === 'unknown') return { kind: 'unknown', reason: result.reason, code: result.code ?? null };
  return { kind: 'unknown', reason: `${result.code}: ${result.message}`, code: result.code };
}
