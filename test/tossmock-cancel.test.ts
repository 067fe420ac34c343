import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { call, freshIds, LOOSE, paid } from './tossmock-helpers.js';

let mock: TossMock;

test.before(async () => {
  mock = await startTossMock(LOOSE);
});

test.after.always(() => mock?.close());

const cancel = (paymentKey: string, body: unknown) => call(mock, 'POST', `/v1/payments/${paymentKey}/cancel`, { body });

test('POST /v1/payments/:paymentKey/cancel: without cancelAmount cancels it all and answers CANCELED', async (t) => {
  const payment = await paid(mock, 15000);

  const reply = await cancel(payment.paymentKey, { cancelReason: '고객 변심' });

  t.is(reply.status, 200);
  t.like(reply.body, {
    paymentKey: payment.paymentKey,
    status: 'CANCELED',
    totalAmount: 15000,
    balanceAmount: 0,
    suppliedAmount: 0,
    vat: 0,
  });
  t.is(reply.body.cancels.length, 1);
  t.like(reply.body.cancels[0], {
    cancelReason: '고객 변심',
    cancelAmount: 15000,
    refundableAmount: 0,
    cancelStatus: 'DONE',
  });
  t.regex(reply.body.cancels[0].transactionKey, /^[0-9A-F]{32}$/);
  t.regex(reply.body.cancels[0].canceledAt, /\+09:00$/);
  t.is(reply.body.lastTransactionKey, reply.body.cancels[0].transactionKey);
});

test('POST /v1/payments/:paymentKey/cancel: a cancelAmount below the balance answers PARTIAL_CANCELED', async (t) => {
  const payment = await paid(mock, 15000);

  const reply = await cancel(payment.paymentKey, { cancelReason: '일부 환불', cancelAmount: 4000 });

  t.is(reply.status, 200);
  t.like(reply.body, { status: 'PARTIAL_CANCELED', totalAmount: 15000, balanceAmount: 11000 });
  t.is(reply.body.suppliedAmount + reply.body.vat, 11000);
  t.like(reply.body.cancels, [{ cancelAmount: 4000, refundableAmount: 11000 }]);
});

test('POST /v1/payments/:paymentKey/cancel: partial cancels add up until the payment is CANCELED', async (t) => {
  const payment = await paid(mock, 10000);

  await cancel(payment.paymentKey, { cancelReason: 'first', cancelAmount: 3000 });
  const second = await cancel(payment.paymentKey, { cancelReason: 'second', cancelAmount: 3000 });
  const last = await cancel(payment.paymentKey, { cancelReason: 'rest' });

  t.like(second.body, { status: 'PARTIAL_CANCELED', balanceAmount: 4000 });
  t.like(last.body, { status: 'CANCELED', balanceAmount: 0 });
  t.deepEqual(
    last.body.cancels.map((c: { cancelAmount: number }) => c.cancelAmount),
    [3000, 3000, 4000],
  );
});

test('POST /v1/payments/:paymentKey/cancel: more than the balance answers 403 NOT_CANCELABLE_AMOUNT', async (t) => {
  const payment = await paid(mock, 5000);
  await cancel(payment.paymentKey, { cancelReason: 'part', cancelAmount: 2000 });

  const reply = await cancel(payment.paymentKey, { cancelReason: 'too much', cancelAmount: 3001 });

  t.is(reply.status, 403);
  t.is(reply.body.code, 'NOT_CANCELABLE_AMOUNT');
  const after = await call(mock, 'GET', `/v1/payments/${payment.paymentKey}`);
  t.like(after.body, { status: 'PARTIAL_CANCELED', balanceAmount: 3000 });
});

test('POST /v1/payments/:paymentKey/cancel: an already canceled payment answers 400 ALREADY_CANCELED_PAYMENT', async (t) => {
  const payment = await paid(mock);
  await cancel(payment.paymentKey, { cancelReason: 'once' });

  const reply = await cancel(payment.paymentKey, { cancelReason: 'twice' });

  t.is(reply.status, 400);
  t.is(reply.body.code, 'ALREADY_CANCELED_PAYMENT');
});

test('POST /v1/payments/:paymentKey/cancel: an unknown paymentKey answers 404 NOT_FOUND_PAYMENT', async (t) => {
  const reply = await cancel(freshIds().paymentKey, { cancelReason: 'nothing to cancel' });
  t.is(reply.status, 404);
  t.is(reply.body.code, 'NOT_FOUND_PAYMENT');
});

const invalidCancels: Array<[string, unknown]> = [
  ['a missing cancelReason', { cancelAmount: 100 }],
  ['a blank cancelReason', { cancelReason: '  ' }],
  ['a 201-character cancelReason', { cancelReason: 'r'.repeat(201) }],
  ['cancelAmount 0', { cancelReason: 'zero', cancelAmount: 0 }],
  ['a fractional cancelAmount', { cancelReason: 'half', cancelAmount: 0.5 }],
];

for (const [label, body] of invalidCancels) {
  test(`POST /v1/payments/:paymentKey/cancel: ${label} answers 400 INVALID_REQUEST and cancels nothing`, async (t) => {
    const payment = await paid(mock);
    const reply = await cancel(payment.paymentKey, body);
    t.is(reply.status, 400);
    t.is(reply.body.code, 'INVALID_REQUEST');
    const after = await call(mock, 'GET', `/v1/payments/${payment.paymentKey}`);
    t.is(after.body.status, 'DONE');
  });
}

test('GET /v1/payments/orders/:orderId: answers the Payment as the cancels left it', async (t) => {
  const payment = await paid(mock, 8000);
  const canceled = await cancel(payment.paymentKey, { cancelReason: 'part', cancelAmount: 1000 });

  const found = await call(mock, 'GET', `/v1/payments/orders/${payment.orderId}`);

  t.deepEqual(found.body, canceled.body);
});
