import type { Db } from '../../src/db/knex.js';
import { makeSchedule, makeUsers } from './fixtures.js';
import type { TestService } from './service.js';

export interface Booked {
  userId: number;
  token: string;
  scheduleId: number;
  reservationId: number;
  orderId: string;
  amount: number;
}

/** A user with a PENDING reservation on a fresh schedule, ready to pay. */
export async function bookPending(db: Db, service: TestService, opts: { scheduleId?: number } = {}): Promise<Booked> {
  const scheduleId = opts.scheduleId ?? (await makeSchedule(db));
  const [userId] = (await makeUsers(db, 1)) as [number];
  const token = service.tokenFor(userId);
  const held = await service.request('POST', `/schedules/${scheduleId}/hold`, { token });
  if (held.status !== 200) throw new Error(`hold failed: ${held.status} ${JSON.stringify(held.body)}`);
  const res = await service.request('POST', '/reservations', { token, body: { scheduleId, participants: 2 } });
  if (res.status !== 201) throw new Error(`reserve failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { userId, token, scheduleId, reservationId: res.body.id, orderId: res.body.orderId, amount: res.body.amount };
}

let keys = 0;
export const newPaymentKey = () => `tgen_${Date.now().toString(36)}_${(keys += 1)}`;

/**
 * What Toss's payment widget does before the customer lands on our success URL: the mock's
 * checkout issues the paymentKey for this orderId and amount. Without a mock, any fresh key.
 */
export async function checkout(service: TestService, b: Pick<Booked, 'orderId' | 'amount'>): Promise<string> {
  if (!service.tossUrl) return newPaymentKey();
  const res = await fetch(`${service.tossUrl}/__mock/checkout`, { method: 'POST', body: JSON.stringify({ orderId: b.orderId, amount: b.amount }) });
  const body = (await res.json()) as { paymentKey?: string; code?: string };
  if (!body.paymentKey) throw new Error(`checkout refused: ${res.status} ${body.code}`);
  return body.paymentKey;
}

export async function pay(
  service: TestService,
  b: Booked,
  overrides: Partial<{ amount: number; orderId: string; paymentKey: string; reservationId: number; token: string; idempotencyKey: string; headers: Record<string, string> }> = {},
) {
  const headers: Record<string, string> = { ...overrides.headers, ...(overrides.idempotencyKey ? { 'idempotency-key': overrides.idempotencyKey } : {}) };
  return service.request('POST', '/orders', {
    token: overrides.token ?? b.token,
    headers,
    body: {
      reservationId: overrides.reservationId ?? b.reservationId,
      paymentKey: overrides.paymentKey ?? (await checkout(service, b)),
      orderId: overrides.orderId ?? b.orderId,
      amount: overrides.amount ?? b.amount,
    },
  });
}

/** Resolves once `check` is true, polling the database; fails after `ms`. For state that no event announces. */
export async function eventually(check: () => Promise<boolean>, ms = 15_000, every = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
