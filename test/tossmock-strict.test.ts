import test from 'ava';
import { once } from 'node:events';
import { call, confirm, freshIds, startMock } from './tossmock-helpers.js';

// The mock as strict as Toss: confirms only what its checkout issued, for that orderId and amount,
// refuses amounts below the minimum, shows ABORTED/EXPIRED payments with `failure`, answers in
// the language asked for, and can hold a confirm before or after writing it.

const STRICT = { requireCheckout: true };

async function checkout(mock: Awaited<ReturnType<typeof startMock>>, amount = 22_000) {
  const { orderId } = freshIds();
  const res = await fetch(`${mock.url}/__mock/checkout`, { method: 'POST', body: JSON.stringify({ orderId, amount }) });
  const body = (await res.json()) as { paymentKey: string; orderId: string; amount: number };
  return { status: res.status, ...body };
}

test('checkout then confirm with its paymentKey, orderId and amount: 200 DONE, charged once', async (t) => {
  const mock = await startMock(t, STRICT);
  const session = await checkout(mock);
  t.is(session.status, 200);
  const reply = await confirm(mock, { paymentKey: session.paymentKey, orderId: session.orderId, amount: session.amount });
  t.is(reply.status, 200);
  t.is(reply.body.status, 'DONE');
  t.is(mock.confirmCount(session.orderId), 1);
});

test('confirm with a paymentKey the checkout never issued: 404 NOT_FOUND_PAYMENT_SESSION, nothing charged', async (t) => {
  const mock = await startMock(t, STRICT);
  const ids = freshIds();
  const reply = await confirm(mock, { ...ids, amount: 22_000 });
  t.is(reply.status, 404);
  t.is(reply.body.code, 'NOT_FOUND_PAYMENT_SESSION');
  t.is(mock.confirmCount(ids.orderId), 0);
});

test('confirm with another amount or orderId than the checkout: 400 INVALID_REQUEST, and the session can still be paid', async (t) => {
  const mock = await startMock(t, STRICT);
  const session = await checkout(mock);
  const wrongAmount = await confirm(mock, { paymentKey: session.paymentKey, orderId: session.orderId, amount: 1_000 });
  const wrongOrder = await confirm(mock, { paymentKey: session.paymentKey, orderId: freshIds().orderId, amount: session.amount });
  t.is(wrongAmount.status, 400);
  t.is(wrongAmount.body.code, 'INVALID_REQUEST');
  t.is(wrongOrder.status, 400);
  t.is(mock.confirmCount(session.orderId), 0);
  t.is((await confirm(mock, { paymentKey: session.paymentKey, orderId: session.orderId, amount: session.amount })).status, 200);
});

test('an amount below 100 KRW: 400 BELOW_MINIMUM_AMOUNT at checkout and at confirm', async (t) => {
  const mock = await startMock(t, STRICT);
  const session = await checkout(mock, 99);
  t.is(session.status, 400);
  t.is((session as unknown as { code: string }).code, 'BELOW_MINIMUM_AMOUNT');
  const reply = await confirm(mock, { ...freshIds(), amount: 99 });
  t.is(reply.body.code, 'BELOW_MINIMUM_AMOUNT');
});

test('a session past its time: confirm answers NOT_FOUND_PAYMENT_SESSION and the order shows EXPIRED with its failure', async (t) => {
  let now = Date.now();
  const mock = await startMock(t, { ...STRICT, sessionTtlMs: 60_000, now: () => now });
  const session = await checkout(mock);
  now += 60_001;
  const reply = await confirm(mock, { paymentKey: session.paymentKey, orderId: session.orderId, amount: session.amount });
  t.is(reply.body.code, 'NOT_FOUND_PAYMENT_SESSION');
  const found = await call(mock, 'GET', `/v1/payments/orders/${session.orderId}`);
  t.is(found.body.status, 'EXPIRED');
  t.is(found.body.failure.code, 'NOT_FOUND_PAYMENT_SESSION');
  t.is(mock.confirmCount(session.orderId), 0);
});

test('a refused card leaves the session ABORTED: the order shows it with `failure`, and the key cannot be confirmed again', async (t) => {
  const mock = await startMock(t, STRICT);
  const session = await checkout(mock);
  const input = { paymentKey: session.paymentKey, orderId: session.orderId, amount: session.amount };
  const refused = await confirm(mock, input, { 'tosspayments-test-code': 'REJECT_CARD_PAYMENT' });
  t.is(refused.status, 403);
  const found = await call(mock, 'GET', `/v1/payments/orders/${session.orderId}`);
  t.is(found.body.status, 'ABORTED');
  t.is(found.body.failure.code, 'REJECT_CARD_PAYMENT');
  t.is((await confirm(mock, input)).body.code, 'NOT_FOUND_PAYMENT_SESSION');
});

test('commit after latency: during the wait a lookup answers 404 and a retry with the key 409; then the order is DONE', async (t) => {
  const mock = await startMock(t, { ...STRICT, commit: 'after', latencyMs: 400 });
  const session = await checkout(mock);
  const input = { paymentKey: session.paymentKey, orderId: session.orderId, amount: session.amount };
  const approved = once(mock.events, 'approved');
  const arrived = once(mock.events, 'confirming');
  const first = confirm(mock, input, { 'idempotency-key': `k-${session.orderId}` });
  await arrived;
  t.is((await call(mock, 'GET', `/v1/payments/orders/${session.orderId}`)).status, 404);
  const retry = await confirm(mock, input, { 'idempotency-key': `k-${session.orderId}` });
  t.is(retry.status, 409);
  t.is(retry.body.code, 'IDEMPOTENT_REQUEST_PROCESSING');
  await approved;
  t.is((await first).status, 200);
  t.is((await call(mock, 'GET', `/v1/payments/orders/${session.orderId}`)).body.status, 'DONE');
  t.is(mock.confirmCount(session.orderId), 1);
});

test('commit before latency: during the wait a lookup already finds the payment DONE', async (t) => {
  const mock = await startMock(t, { ...STRICT, commit: 'before', latencyMs: 300 });
  const session = await checkout(mock);
  const approved = once(mock.events, 'approved');
  const first = confirm(mock, { paymentKey: session.paymentKey, orderId: session.orderId, amount: session.amount });
  await approved;
  t.is((await call(mock, 'GET', `/v1/payments/orders/${session.orderId}`)).body.status, 'DONE');
  t.is((await first).status, 200);
});

test('conflictInFlight: a second confirm for an order whose confirm is running answers 409, whatever its key', async (t) => {
  const mock = await startMock(t, { ...STRICT, commit: 'after', latencyMs: 300, conflictInFlight: true });
  const session = await checkout(mock);
  const input = { paymentKey: session.paymentKey, orderId: session.orderId, amount: session.amount };
  const arrived = once(mock.events, 'confirming');
  const first = confirm(mock, input, { 'idempotency-key': 'first' });
  await arrived;
  const second = await confirm(mock, input, { 'idempotency-key': 'second' });
  t.is(second.status, 409);
  t.is(second.body.code, 'IDEMPOTENT_REQUEST_PROCESSING');
  t.is((await first).status, 200);
  t.is(mock.confirmCount(session.orderId), 1);
});

test('Accept-Language: en answers English messages, anything else Korean', async (t) => {
  const mock = await startMock(t, STRICT);
  const ids = freshIds();
  const en = await confirm(mock, { ...ids, amount: 22_000 }, { 'accept-language': 'en-US,en;q=0.9' });
  const ko = await confirm(mock, { ...ids, amount: 22_000 });
  t.is(en.body.code, 'NOT_FOUND_PAYMENT_SESSION');
  t.regex(en.body.message, /^[\x20-\x7e]+$/);
  t.regex(ko.body.message, /[가-힣]/);
});

test('GET /v1/transactions lists approvals and cancels in the period, and pages with startingAfter', async (t) => {
  const mock = await startMock(t, STRICT);
  const from = new Date(Date.now() - 1000).toISOString();
  const session = await checkout(mock, 20_000);
  const paid = await confirm(mock, { paymentKey: session.paymentKey, orderId: session.orderId, amount: 20_000 });
  await call(mock, 'POST', `/v1/payments/${paid.body.paymentKey}/cancel`, { body: { cancelReason: 'policy', cancelAmount: 10_000 } });
  const to = new Date(Date.now() + 1000).toISOString();
  const all = await call(mock, 'GET', `/v1/transactions?startDate=${from}&endDate=${to}`);
  t.deepEqual(
    (all.body as unknown as { status: string; amount: number }[]).map((x) => [x.status, x.amount]),
    [
      ['DONE', 20_000],
      ['PARTIAL_CANCELED', 10_000],
    ],
  );
  const first = (all.body as unknown as { transactionKey: string }[])[0]!;
  const rest = await call(mock, 'GET', `/v1/transactions?startDate=${from}&endDate=${to}&startingAfter=${first.transactionKey}`);
  t.is((rest.body as unknown as unknown[]).length, 1);
});
