import type { ExecutionContext } from 'ava';
import { startTossMock, type TossMock, type TossMockOptions } from '../src/tossmock/index.js';

// Shared by the tossmock-*.test.ts files: a mock per test or per file, and
// a thin fetch wrapper that answers status and parsed body.

export const secretKey = 'test_sk_mock';
export const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
export const authHeader = { authorization: basic(secretKey) };

/** Response bodies are read loosely; the assertions say what matters. */
export type Json = Record<string, any>;

export interface Reply {
  status: number;
  body: Json;
}

let sequence = 0;

/** A paymentKey and orderId no other test uses. */
export function freshIds(): { paymentKey: string; orderId: string } {
  const id = `${process.pid.toString(36)}_${(++sequence).toString(36)}_${Date.now().toString(36)}`;
  return { paymentKey: `tpk_${id}`, orderId: `order_${id}` };
}

/**
 * Options for the tests of auth, idempotency, cancels and faults: they confirm ids of their own
 * choosing, so checkout sessions are off; tossmock-strict.test.ts covers sessions.
 */
export const LOOSE: TossMockOptions = { requireCheckout: false };

export async function startMock(t: ExecutionContext, options?: TossMockOptions): Promise<TossMock> {
  const mock = await startTossMock({ ...LOOSE, ...options });
  t.teardown(() => mock.close());
  return mock;
}

export async function call(mock: TossMock, method: 'GET' | 'POST', path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(mock.url + path, {
    method,
    headers: { ...authHeader, 'content-type': 'application/json', ...options.headers },
    ...(method === 'POST' ? { body: options.rawBody ?? JSON.stringify(options.body ?? {}) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

export function confirm(mock: TossMock, body: { paymentKey: string; orderId: string; amount: number }, headers?: Record<string, string>): Promise<Reply> {
  return call(mock, 'POST', '/v1/payments/confirm', { body, ...(headers ? { headers } : {}) });
}

/** A payment confirmed for `amount`, ready to cancel or look up. */
export async function paid(mock: TossMock, amount = 15000): Promise<Json> {
  const ids = freshIds();
  const reply = await confirm(mock, { ...ids, amount });
  if (reply.status !== 200) throw new Error(`confirm failed: ${JSON.stringify(reply)}`);
  return reply.body;
}
