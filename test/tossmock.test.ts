import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { basic, call, confirm, freshIds, LOOSE } from './tossmock-helpers.js';

let mock: TossMock;

test.before(async () => {
  mock = await startTossMock(LOOSE);
});

test.after.always(() => mock?.close());

const authCases: Array<[string, Record<string, string>, string]> = [
  ['no Authorization header', {}, 'UNAUTHORIZED_KEY'],
  ['a wrong secret key', { authorization: basic('test_sk_wrong') }, 'UNAUTHORIZED_KEY'],
  ['a Bearer token', { authorization: 'Bearer test_sk_mock' }, 'INCORRECT_BASIC_AUTH_FORMAT'],
  [
    'a Basic token without a colon',
    {
      authorization: `Basic ${Buffer.from('test_sk_mock').toString('base64')}`,
    },
    'INCORRECT_BASIC_AUTH_FORMAT',
  ],
  ['a Basic token that is not base64', { authorization: 'Basic %%%not-base64' }, 'INCORRECT_BASIC_AUTH_FORMAT'],
];

for (const [label, headers, code] of authCases) {
  test(`POST /v1/payments/confirm: ${label} answers 401 ${code} and charges nothing`, async (t) => {
    const ids = freshIds();
    const res = await fetch(`${mock.url}/v1/payments/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ ...ids, amount: 1000 }),
    });
    t.is(res.status, 401);
    t.like(await res.json(), { code });
    t.is(mock.confirmCount(ids.orderId), 0);
  });
}

test('GET /v1/payments/:paymentKey: a wrong secret key answers 401 UNAUTHORIZED_KEY', async (t) => {
  const reply = await call(mock, 'GET', '/v1/payments/whatever', {
    headers: { authorization: basic('test_sk_other') },
  });
  t.is(reply.status, 401);
  t.is(reply.body.code, 'UNAUTHORIZED_KEY');
  t.is(typeof reply.body.message, 'string');
});

test('POST /v1/payments/confirm: answers 200 with a DONE Payment in the shape Toss returns', async (t) => {
  const ids = freshIds();
  const reply = await confirm(mock, { ...ids, amount: 15000 });

  t.is(reply.status, 200);
  t.like(reply.body, {
    ...ids,
    status: 'DONE',
    version: '2022-11-16',
    type: 'NORMAL',
    currency: 'KRW',
    totalAmount: 15000,
    balanceAmount: 15000,
    suppliedAmount: 13636,
    vat: 1364,
    cancels: null,
  });
  t.is(typeof reply.body.mId, 'string');
  t.is(typeof reply.body.orderName, 'string');
  t.regex(reply.body.lastTransactionKey, /^[0-9A-F]{32}$/);
  t.regex(reply.body.approvedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
  t.regex(reply.body.requestedAt, /\+09:00$/);
  t.true(Math.abs(Date.parse(reply.body.approvedAt) - Date.now()) < 5000);
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('POST /v1/payments/confirm: pays by 카드 with card details, or by 간편결제 with easyPay', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const { body } = await confirm(mock, { ...freshIds(), amount: 5000 });
    seen.add(body.method);
    if (body.method === '카드') {
      t.like(body.card, { amount: 5000, acquireStatus: 'READY', installmentPlanMonths: 0 });
      t.regex(body.card.approveNo, /^\d{8}$/);
      t.is(body.easyPay, null);
    } else {
      t.is(body.method, '간편결제');
      t.like(body.easyPay, { amount: 5000, discountAmount: 0 });
      t.is(body.card, null);
    }
  }
  t.deepEqual([...seen].sort(), ['간편결제', '카드']);
});

test('POST /v1/payments/confirm: the same paymentKey twice answers 400 ALREADY_PROCESSED_PAYMENT', async (t) => {
  const ids = freshIds();
  t.is((await confirm(mock, { ...ids, amount: 1000 })).status, 200);

  const again = await confirm(mock, { ...ids, amount: 1000 });

  t.is(again.status, 400);
  t.is(again.body.code, 'ALREADY_PROCESSED_PAYMENT');
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('POST /v1/payments/confirm: a paid orderId with another paymentKey answers 400 ALREADY_PROCESSED_PAYMENT', async (t) => {
  const ids = freshIds();
  await confirm(mock, { ...ids, amount: 1000 });

  const again = await confirm(mock, { paymentKey: `${ids.paymentKey}_2`, orderId: ids.orderId, amount: 1000 });

  t.is(again.status, 400);
  t.is(again.body.code, 'ALREADY_PROCESSED_PAYMENT');
  t.is(mock.confirmCount(ids.orderId), 1);
});

test('POST /v1/payments/confirm: concurrent confirms of one order charge it once', async (t) => {
  const { orderId } = freshIds();
  const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => confirm(mock, { paymentKey: `race_${orderId}_${i}`, orderId, amount: 1000 })));
  t.is(replies.filter((r) => r.status === 200).length, 1);
  t.is(replies.filter((r) => r.body.code === 'ALREADY_PROCESSED_PAYMENT').length, 9);
  t.is(mock.confirmCount(orderId), 1);
});

const invalidBodies: Array<[string, (ids: { paymentKey: string; orderId: string }) => string]> = [
  ['malformed JSON', () => '{"paymentKey": '],
  ['an empty body', () => ''],
  ['a missing amount', (ids) => JSON.stringify(ids)],
  ['amount 0', (ids) => JSON.stringify({ ...ids, amount: 0 })],
  ['a fractional amount', (ids) => JSON.stringify({ ...ids, amount: 10.5 })],
  ['amount as a string', (ids) => JSON.stringify({ ...ids, amount: '1000' })],
  ['a 5-character orderId', (ids) => JSON.stringify({ ...ids, orderId: 'abcde', amount: 1000 })],
  ['a 65-character orderId', (ids) => JSON.stringify({ ...ids, orderId: 'a'.repeat(65), amount: 1000 })],
  ['an orderId with a dot', (ids) => JSON.stringify({ ...ids, orderId: 'order.1234', amount: 1000 })],
  ['a 201-character paymentKey', (ids) => JSON.stringify({ ...ids, paymentKey: 'k'.repeat(201), amount: 1000 })],
  ['a missing paymentKey', (ids) => JSON.stringify({ orderId: ids.orderId, amount: 1000 })],
];

for (const [label, makeBody] of invalidBodies) {
  test(`POST /v1/payments/confirm: ${label} answers 400 INVALID_REQUEST and charges nothing`, async (t) => {
    const ids = freshIds();
    const reply = await call(mock, 'POST', '/v1/payments/confirm', { rawBody: makeBody(ids) });
    t.is(reply.status, 400);
    t.is(reply.body.code, 'INVALID_REQUEST');
    t.is(typeof reply.body.message, 'string');
    t.is(mock.confirmCount(ids.orderId), 0);
  });
}

test('POST /v1/payments/confirm: accepts orderIds of 6 and 64 characters and a 200-character paymentKey', async (t) => {
  const tag = freshIds().orderId.slice(-6);
  const short = await confirm(mock, { paymentKey: `short_${tag}`, orderId: tag, amount: 100 });
  const long = await confirm(mock, { paymentKey: 'p'.repeat(194) + tag, orderId: `${tag}_`.padEnd(64, 'x'), amount: 100 });
  t.is(short.status, 200);
  t.is(long.status, 200);
});

test('GET /v1/payments/:paymentKey: answers the confirmed Payment', async (t) => {
  const ids = freshIds();
  const confirmed = await confirm(mock, { ...ids, amount: 2000 });

  const found = await call(mock, 'GET', `/v1/payments/${ids.paymentKey}`);

  t.is(found.status, 200);
  t.deepEqual(found.body, confirmed.body);
});

test('GET /v1/payments/orders/:orderId: answers the Payment of that order', async (t) => {
  const ids = freshIds();
  const confirmed = await confirm(mock, { ...ids, amount: 2000 });

  const found = await call(mock, 'GET', `/v1/payments/orders/${ids.orderId}`);

  t.is(found.status, 200);
  t.deepEqual(found.body, confirmed.body);
});

test('GET /v1/payments/:paymentKey: an unknown key answers 404 NOT_FOUND_PAYMENT', async (t) => {
  const reply = await call(mock, 'GET', `/v1/payments/${freshIds().paymentKey}`);
  t.is(reply.status, 404);
  t.is(reply.body.code, 'NOT_FOUND_PAYMENT');
});

test('GET /v1/payments/orders/:orderId: an unknown order answers 404 NOT_FOUND_PAYMENT', async (t) => {
  const reply = await call(mock, 'GET', `/v1/payments/orders/${freshIds().orderId}`);
  t.is(reply.status, 404);
  t.is(reply.body.code, 'NOT_FOUND_PAYMENT');
});
