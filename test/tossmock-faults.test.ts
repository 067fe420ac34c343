import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { call, confirm, freshIds, LOOSE, paid, startMock } from './tossmock-helpers.js';

let shared: TossMock;

test.before(async () => {
  shared = await startTossMock(LOOSE);
});

test.after.always(() => shared?.close());

const testCodes: Array<[string, number]> = [
  ['REJECT_CARD_COMPANY', 403],
  ['INVALID_CARD_EXPIRATION', 400],
  ['EXCEED_MAX_DAILY_PAYMENT_COUNT', 400],
  ['PROVIDER_ERROR', 400],
  ['INVALID_STOPPED_CARD', 400],
  ['INVALID_CARD_LOST_OR_STOLEN', 400],
  ['NOT_AVAILABLE_PAYMENT', 400],
  ['EXCEED_MAX_CARD_INSTALLMENT_PLAN', 400],
  ['REJECT_ACCOUNT_PAYMENT', 403],
  ['INVALID_REJECT_CARD', 400],
  ['FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING', 500],
  ['FAILED_INTERNAL_SYSTEM_PROCESSING', 500],
  ['UNKNOWN_PAYMENT_ERROR', 500],
  ['SOMETHING_THE_MOCK_DOES_NOT_KNOW', 400],
];

for (const [code, status] of testCodes) {
  // Temporary refusals (and 5xx) leave the session open: nothing to show yet. Card refusals end it ABORTED.
  const OPEN = new Set(['PROVIDER_ERROR']);
  const aborts = (code: string, status: number) => status < 500 && !OPEN.has(code);
  const lookup = aborts(code, status) ? 'the order shows ABORTED with its failure' : 'the order is not found';
  test(`POST /v1/payments/confirm: TossPayments-Test-Code ${code} answers ${status} ${code}, charges nothing, and ${lookup}`, async (t) => {
    const ids = freshIds();
    const reply = await confirm(shared, { ...ids, amount: 1000 }, { 'tosspayments-test-code': code });

    t.is(reply.status, status);
    t.is(reply.body.code, code);
    t.true(reply.body.message.length > 0);
    t.is(shared.confirmCount(ids.orderId), 0);
    const found = await call(shared, 'GET', `/v1/payments/orders/${ids.orderId}`);
    if (!aborts(code, status)) {
      t.is(found.status, 404);
      return;
    }
    t.is(found.status, 200);
    t.is(found.body.status, 'ABORTED');
    t.is(found.body.balanceAmount, 0);
    t.deepEqual(found.body.failure, { code, message: reply.body.message });
  });
}

test('POST /v1/payments/:paymentKey/cancel: TossPayments-Test-Code fails the cancel and keeps the payment DONE', async (t) => {
  const payment = await paid(shared);
  const reply = await call(shared, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, {
    body: { cancelReason: 'test' },
    headers: { 'tosspayments-test-code': 'FAILED_INTERNAL_SYSTEM_PROCESSING' },
  });
  t.is(reply.status, 500);
  t.is((await call(shared, 'GET', `/v1/payments/${payment.paymentKey}`)).body.status, 'DONE');
});

test('POST /v1/payments/confirm: with failureRate 1 answers 500 FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING and charges nothing', async (t) => {
  const mock = await startMock(t, { failureRate: 1 });
  const ids = freshIds();

  const reply = await confirm(mock, { ...ids, amount: 1000 });

  t.is(reply.status, 500);
  t.is(reply.body.code, 'FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING');
  t.is(mock.confirmCount(ids.orderId), 0);
  t.is(mock.totalConfirms(), 0);
  t.is((await call(mock, 'GET', `/v1/payments/orders/${ids.orderId}`)).status, 404);
});

test('POST /v1/payments/confirm: with dropAfterApprove the client sees a connection error, yet the order is paid once', async (t) => {
  const mock = await startMock(t, { dropAfterApprove: true });
  const ids = freshIds();

  await t.throwsAsync(confirm(mock, { ...ids, amount: 7000 }), { instanceOf: TypeError });

  const found = await call(mock, 'GET', `/v1/payments/orders/${ids.orderId}`);
  t.is(found.status, 200);
  t.like(found.body, { ...ids, status: 'DONE', totalAmount: 7000 });
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('POST /v1/payments/confirm: after a dropped answer, the retry with the same Idempotency-Key replays the approval', async (t) => {
  const mock = await startMock(t, { dropAfterApprove: true, latencyMs: { min: 5, max: 20 } });
  const ids = freshIds();
  const headers = { 'idempotency-key': `drop_${ids.orderId}` };
  await t.throwsAsync(confirm(mock, { ...ids, amount: 7000 }, headers));

  const retried = await confirm(mock, { ...ids, amount: 7000 }, headers);

  t.is(retried.status, 200);
  t.like(retried.body, { ...ids, status: 'DONE' });
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('POST /v1/payments/confirm: latencyMs holds the answer back at least that long', async (t) => {
  const mock = await startMock(t, { latencyMs: 150 });
  const started = performance.now();

  const reply = await confirm(mock, { ...freshIds(), amount: 1000 });

  t.is(reply.status, 200);
  t.true(performance.now() - started >= 145);
});

test('POST /__mock/switches: turns faults on at runtime without Basic auth', async (t) => {
  const mock = await startMock(t);
  const res = await fetch(`${mock.url}/__mock/switches`, {
    method: 'POST',
    body: JSON.stringify({ failureRate: 1, latencyMs: { min: 0, max: 5 } }),
  });
  t.is(res.status, 200);
  t.like(await res.json(), { failureRate: 1, latencyMs: { min: 0, max: 5 }, dropAfterApprove: false, commit: 'before', conflictInFlight: false });

  const reply = await confirm(mock, { ...freshIds(), amount: 1000 });

  t.is(reply.status, 500);
});

const badSwitches: Array<[string, unknown]> = [
  ['a failureRate above 1', { failureRate: 1.5 }],
  ['a latency range with min above max', { latencyMs: { min: 10, max: 5 } }],
  ['a negative latency', { latencyMs: -1 }],
  ['an unknown switch', { chaos: true }],
];

for (const [label, body] of badSwitches) {
  test(`POST /__mock/switches: ${label} answers 400 INVALID_REQUEST`, async (t) => {
    const res = await fetch(`${shared.url}/__mock/switches`, { method: 'POST', body: JSON.stringify(body) });
    t.is(res.status, 400);
    t.like(await res.json(), { code: 'INVALID_REQUEST' });
  });
}

test('GET /__mock/stats: answers the charges per orderId', async (t) => {
  const mock = await startMock(t);
  const a = await paid(mock);
  const b = await paid(mock);
  await confirm(mock, { paymentKey: `${a.paymentKey}_again`, orderId: a.orderId, amount: 1000 });

  const stats = (await (await fetch(`${mock.url}/__mock/stats`)).json()) as Record<string, unknown>;

  t.like(stats, { totalConfirms: 2, confirmsByOrderId: { [a.orderId]: 1, [b.orderId]: 1 } });
});

test('TossMock.reset: forgets payments, charges and switches set since start', async (t) => {
  const mock = await startMock(t);
  const payment = await paid(mock);
  mock.setSwitches({ failureRate: 1 });

  mock.reset();

  t.is(mock.totalConfirms(), 0);
  t.is(mock.confirmCount(payment.orderId), 0);
  t.is((await call(mock, 'GET', `/v1/payments/${payment.paymentKey}`)).status, 404);
  t.is((await confirm(mock, { ...freshIds(), amount: 1000 })).status, 200);
});

test('TossMock.close: does not wait for a request sleeping through latency', async (t) => {
  const mock = await startTossMock({ ...LOOSE, latencyMs: 60_000 });
  const ids = freshIds();
  const pending = confirm(mock, { ...ids, amount: 1000 });
  pending.catch(() => undefined);
  await new Promise((resolve) => mock.events.once('approved', resolve));

  await mock.close();

  await t.throwsAsync(pending);
});

test('startTossMock: refuses a failureRate above 1', async (t) => {
  await t.throwsAsync(startTossMock({ failureRate: 2 }));
});
