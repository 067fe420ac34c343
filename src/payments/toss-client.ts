import type { GatewayCancel, GatewayPayment, GatewayResult, GatewayTransaction, PaymentGateway, TransactionsResult } from './gateway.js';

export interface TossClientOptions {
  baseUrl: string;
  secretKey: string;
  timeoutMs: number;
  /** Extra headers per call: Toss's test mode takes `TossPayments-Test-Code` to make a call fail. */
  headers?: (path: string) => Record<string, string>;
}

/**
 * Toss Payments v1 over fetch. Every confirm and cancel carries an Idempotency-Key chosen by the
 * caller, so a retry after an unknown outcome can never charge or refund twice.
 */
export function createTossClient(options: TossClientOptions): PaymentGateway {
  const base = options.baseUrl.replace(/\/$/, '');
  const authorization = `Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<GatewayResult> {
    const headers: Record<string, string> = { ...options.headers?.(path), authorization };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let res: Response;
    let text: string;
    try {
      res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(options.timeoutMs) });
      text = await res.text();
    } catch (err) {
      return { kind: 'unknown', reason: err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'connection error' };
    }
    const parsed = parseJson(text);
    if (res.ok && parsed && typeof parsed.paymentKey === 'string') return { kind: 'ok', payment: toPayment(parsed) };
    const code = typeof parsed?.code === 'string' ? parsed.code : `HTTP_${res.status}`;
    const message = typeof parsed?.message === 'string' ? parsed.message : res.statusText;
    // A 409 while the same idempotent request is still running says nothing about its outcome.
    if (res.status >= 500 || code === 'IDEMPOTENT_REQUEST_PROCESSING') return { kind: 'unknown', reason: `gateway answered ${res.status}`, code, message };
    return { kind: 'rejected', httpStatus: res.status, code, message };
  }

  async function transactions(q: { from: Date; to: Date; startingAfter?: string; limit: number }): Promise<TransactionsResult> {
    // Toss's period is to the second, the end second included (https://docs.tosspayments.com/guides/apis/transactions).
    const params = new URLSearchParams({ startDate: kst(q.from), endDate: kst(q.to), limit: String(q.limit) });
    if (q.startingAfter) params.set('startingAfter', q.startingAfter);
    try {
      const res = await fetch(`${base}/v1/transactions?${params}`, { headers: { ...options.headers?.('/v1/transactions'), authorization }, signal: AbortSignal.timeout(options.timeoutMs) });
      const body: unknown = JSON.parse(await res.text());
      if (!res.ok || !Array.isArray(body)) return { kind: 'failed', reason: `gateway answered ${res.status}` };
      return { kind: 'ok', transactions: body.map(toTransaction) };
    } catch (err) {
      return { kind: 'failed', reason: err instanceof Error ? err.message : 'transactions lookup failed' };
    }
  }

  return {
    transactions,
    confirm: (input, key) => call('POST', '/v1/payments/confirm', input, key),
    cancel: (paymentKey, input, key) =>
      call('POST', `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`, { cancelReason: input.reason, ...(input.amount ? { cancelAmount: input.amount } : {}) }, key),
    findByOrderId: (orderId) => call('GET', `/v1/payments/orders/${encodeURIComponent(orderId)}`),
  };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Toss prints Korea time with its offset; we keep every time as UTC ISO (`…Z`). */
const utc = (v: unknown): string | null => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : null);

/** Toss's transaction period is Korea time without an offset (yyyy-MM-ddTHH:mm:ss). */
const kst = (d: Date) => new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 19);

function toPayment(p: Record<string, unknown>): GatewayPayment {
  const cancels = Array.isArray(p.cancels) ? (p.cancels as Record<string, unknown>[]) : [];
  const failure = p.failure && typeof p.failure === 'object' ? (p.failure as Record<string, unknown>) : null;
  return {
    paymentKey: String(p.paymentKey),
    orderId: String(p.orderId),
    status: String(p.status),
    method: typeof p.method === 'string' ? p.method : null,
    totalAmount: Number(p.totalAmount),
    balanceAmount: Number(p.balanceAmount),
    approvedAt: utc(p.approvedAt),
    cancels: cancels.map((c): GatewayCancel => ({ transactionKey: String(c.transactionKey), cancelAmount: Number(c.cancelAmount), canceledAt: utc(c.canceledAt) })),
    failure: failure ? { code: String(failure.code), message: String(failure.message) } : null,
    raw: p,
  };
}

function toTransaction(t: Record<string, unknown>): GatewayTransaction {
  return {
    transactionKey: String(t.transactionKey),
    paymentKey: String(t.paymentKey),
    orderId: String(t.orderId),
    status: String(t.status),
    amount: Number(t.amount),
    transactionAt: utc(t.transactionAt) ?? '',
  };
}
