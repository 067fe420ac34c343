import { once } from 'node:events';
import test from 'ava';
import { call, confirm, freshIds, paid, startMock } from './tossmock-helpers.js';

const key = () => `idem_${freshIds().orderId}`;

test('Idempotency-Key: a repeated confirm replays the first 200 and charges once', async (t) => {
  const mock = await startMock(t);
  const ids = freshIds();
  const headers = { 'idempotency-key': key() };

  const first = await confirm(mock, { ...ids, amount: 3000 }, headers);
  const second = await confirm(mock, { ...ids, amount: 3000 }, headers);

  t.is(first.status, 200);
  t.is(second.status, 200);
  t.deepEqual(second.body, first.body);
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('Idempotency-Key: the replay is the first answer even after the payment was canceled', async (t) => {
  const mock = await startMock(t);
  const ids = freshIds();
  const headers = { 'idempotency-key': key() };
  const first = await confirm(mock, { ...ids, amount: 3000 }, headers);
  await call(mock, 'POST', `/v1/payments/${ids.paymentKey}/cancel`, { body: { cancelReason: 'undo' } });

  const replay = await confirm(mock, { ...ids, amount: 3000 }, headers);

  t.deepEqual(replay.body, first.body);
  t.is(replay.body.status, 'DONE');
});

test('Idempotency-Key: a repeated cancel replays the first answer instead of 400 ALREADY_CANCELED_PAYMENT', async (t) => {
  const mock = await startMock(t);
  const payment = await paid(mock);
  const request = { body: { cancelReason: 'undo' }, headers: { 'idempotency-key': key() } };

  const first = await call(mock, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, request);
  const second = await call(mock, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, request);

  t.is(first.status, 200);
  t.deepEqual(second, first);
});

test('Idempotency-Key: the same key on another path is a request of its own', async (t) => {
  const mock = await startMock(t);
  const sharedKey = key();
  const a = await confirm(mock, { ...freshIds(), amount: 1000 }, { 'idempotency-key': sharedKey });

  const b = await call(mock, 'POST', `/v1/payments/${a.body.paymentKey}/cancel`, {
    body: { cancelReason: 'other path' },
    headers: { 'idempotency-key': sharedKey },
  });

  t.is(b.status, 200);
  t.is(b.body.status, 'CANCELED');
});

test('Idempotency-Key: a second request while the first is in flight answers 409 IDEMPOTENT_REQUEST_PROCESSING', async (t) => {
  const mock = await startMock(t, { latencyMs: 1000 });
  const ids = freshIds();
  const headers = { 'idempotency-key': key() };
  const approved = once(mock.events, 'approved');

  const first = confirm(mock, { ...ids, amount: 1000 }, headers);
  await approved;
  const second = await confirm(mock, { ...ids, amount: 1000 }, headers);

  t.is(second.status, 409);
  t.is(second.body.code, 'IDEMPOTENT_REQUEST_PROCESSING');
  const done = await first;
  t.is(done.status, 200);
  const replay = await confirm(mock, { ...ids, amount: 1000 }, headers);
  t.deepEqual(replay, done);
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('Idempotency-Key: a 500 is not kept, so the retry with the same key runs and charges', async (t) => {
  const mock = await startMock(t, { failureRate: 1 });
  const ids = freshIds();
  const headers = { 'idempotency-key': key() };
  const failed = await confirm(mock, { ...ids, amount: 1000 }, headers);
  mock.setSwitches({ failureRate: 0 });

  const retried = await confirm(mock, { ...ids, amount: 1000 }, headers);

  t.is(failed.status, 500);
  t.is(retried.status, 200);
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('Idempotency-Key: a key is forgotten 15 days after its first use', async (t) => {
  let now = Date.UTC(2025, 0, 1);
  const mock = await startMock(t, { now: () => now });
  const ids = freshIds();
  const headers = { 'idempotency-key': key() };
  await confirm(mock, { ...ids, amount: 1000 }, headers);

  now += 15 * 24 * 60 * 60 * 1000 - 1;
  const withinTtl = await confirm(mock, { ...ids, amount: 1000 }, headers);
  now += 1;
  const afterTtl = await confirm(mock, { ...ids, amount: 1000 }, headers);

  t.is(withinTtl.status, 200);
  t.is(afterTtl.status, 400);
  t.is(afterTtl.body.code, 'ALREADY_PROCESSED_PAYMENT');
});

test('Idempotency-Key: a 301-character key answers 400 INVALID_IDEMPOTENCY_KEY and charges nothing', async (t) => {
  const mock = await startMock(t);
  const ids = freshIds();

  const tooLong = await confirm(mock, { ...ids, amount: 1000 }, { 'idempotency-key': 'k'.repeat(301) });

  t.is(tooLong.status, 400);
  t.is(tooLong.body.code, 'INVALID_IDEMPOTENCY_KEY');
  t.is(mock.confirmCount(ids.orderId), 0);
  const longest = await confirm(mock, { ...ids, amount: 1000 }, { 'idempotency-key': 'k'.repeat(300) });
  t.is(longest.status, 200);
});
