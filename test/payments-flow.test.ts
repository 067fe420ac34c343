import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { bookPending, checkout, newPaymentKey, pay } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { addDays, kstDate } from '../src/time/kst.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let mock: TossMock;
let service: TestService;
let testCode: string | undefined;
const startedAt = new Date(Date.now() - 1000);

test.before(async () => {
  database = await createTestDatabase(20);
  mock = await startTossMock();
  service = await startTestService(
    database.db,
    {},
    { tossUrl: mock.url, tossHeaders: (path): Record<string, string> => (testCode && path.endsWith('/confirm') ? { 'TossPayments-Test-Code': testCode } : {}) },
  );
});

test.after.always(async () => {
  await service?.close();
  await mock?.close();
  await database?.drop();
});

const reservation = (id: number) => database.db('reservations').where({ id }).first();
const schedule = (id: number) => database.db('schedules').where({ id }).first();

test.serial('the happy path: signup, login, hold, reserve, pay, confirmed, cancel, refunded, and the slot is free again', async (t) => {
  const signup = await service.request('POST', '/auth/signup', { body: { email: `happy-${Date.now()}@test.local`, password: 'a-long-password', name: 'Happy' } });
  t.is(signup.status, 201);
  const login = await service.request('POST', '/auth/login', { body: { email: signup.body.email, password: 'a-long-password' } });
  t.is(login.status, 200);
  // Three days ahead: more than 24 h before the start whatever the hour, so the policy refunds it all.
  const { scheduleId } = await bookPending(database.db, service, { scheduleId: await makeSchedule(database.db, { date: addDays(kstDate(new Date()), 3) }) });
  await service.request('DELETE', `/schedules/${scheduleId}/hold`, { token: service.tokenFor((await schedule(scheduleId)).held_by) });
  const token = login.body.token as string;
  t.is((await service.request('POST', `/schedules/${scheduleId}/hold`, { token })).status, 200);
  const created = await service.request('POST', '/reservations', { token, body: { scheduleId, participants: 2 } });
  t.is(created.status, 201);
  const paymentKey = await checkout(service, created.body);
  const paid = await service.request('POST', '/orders', { token, body: { reservationId: created.body.id, paymentKey, orderId: created.body.orderId, amount: created.body.amount } });
  t.is(paid.status, 200);
  t.is(paid.body.status, 'CONFIRMED');
  t.is(paid.body.payment.paymentKey, paymentKey);
  t.is((await reservation(created.body.id)).status, 'CONFIRMED');
  t.is((await schedule(scheduleId)).status, 'RESERVED');
  t.is(mock.confirmCount(created.body.orderId), 1);
  const mine = await service.request('GET', '/reservations/mine', { token });
  t.is(mine.body[0].payment.paymentKey, paymentKey);

  const canceled = await service.request('POST', `/reservations/${created.body.id}/cancel`, { token, body: { reason: 'plans changed' } });
  t.is(canceled.status, 200);
  t.is(canceled.body.status, 'CANCELED');
  t.deepEqual(canceled.body.refund, { status: 'DONE', amount: created.body.amount });
  const payment = await database.db('payments').where({ reservation_id: created.body.id }).first();
  t.is(payment.refund_status, 'DONE');
  t.is(payment.refunded_amount, created.body.amount);
  t.is((await schedule(scheduleId)).status, 'AVAILABLE');
  await service.actors.history.flush();
  const timeline = await service.request('GET', `/reservations/${created.body.id}/timeline`, { token });
  t.deepEqual(
    timeline.body.map((e: { type: string }) => e.type),
    ['HELD', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED', 'CANCELED'],
  );
  const lookup = await fetch(`${mock.url}/v1/payments/${paymentKey}`, { headers: { authorization: `Basic ${Buffer.from('test_sk_mock:').toString('base64')}` } });
  t.is(((await lookup.json()) as { status: string }).status, 'CANCELED');
});

test.serial('right after a successful POST /orders, the caller reads its payment attempt and timeline without waiting for a history flush', async (t) => {
  const b = await bookPending(database.db, service);
  const paid = await pay(service, b);
  t.is(paid.status, 200);
  // No history flush here: the attempt and the timeline events are written with the transitions that made them.
  const attempts = await service.request('GET', `/reservations/${b.reservationId}/payment-attempts`, { token: b.token });
  t.is(attempts.status, 200);
  t.true(attempts.body.length > 0, 'the attempts list is not empty');
  t.like(attempts.body[0], { reservationId: b.reservationId, outcome: 'APPROVED', success: true });
  const timeline = await service.request('GET', `/reservations/${b.reservationId}/timeline`, { token: b.token });
  t.deepEqual(
    timeline.body.map((e: { type: string }) => e.type),
    ['HELD', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED'],
  );
});

test.serial('50 concurrent POST /orders for one reservation: one gateway confirm, one CONFIRMED, the rest 409', async (t) => {
  const b = await bookPending(database.db, service);
  const paymentKey = await checkout(service, b);
  const responses = await Promise.all(Array.from({ length: 50 }, () => pay(service, b, { paymentKey })));
  t.is(responses.filter((r) => r.status === 200).length, 1);
  t.is(responses.filter((r) => r.status === 409 && r.body.code === 'RESERVATION_NOT_PAYABLE').length, 49);
  t.is(mock.confirmCount(b.orderId), 1);
  t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
  t.is((await database.db('payments').where({ reservation_id: b.reservationId })).length, 1);
});

// Toss code → our answer. Card refusals count towards MAX_PAYMENT_ATTEMPTS; temporary ones and our own faults do not.
const DEFINITE: [string, number, string, number][] = [
  ['REJECT_CARD_COMPANY', 422, 'PAYMENT_DECLINED', 1],
  ['INVALID_CARD_EXPIRATION', 422, 'PAYMENT_DECLINED', 1],
  ['EXCEED_MAX_DAILY_PAYMENT_COUNT', 422, 'PAYMENT_DECLINED', 1],
  ['PROVIDER_ERROR', 503, 'PAYMENT_RETRY_LATER', 0],
  ['UNAUTHORIZED_KEY', 502, 'PAYMENT_GATEWAY_ERROR', 0],
];

for (const [gatewayCode, status, code, declines] of DEFINITE) {
  test.serial(`POST /orders: a gateway ${gatewayCode} answers ${status} ${code} in English with gatewayCode, charges nothing and leaves the reservation PENDING`, async (t) => {
    const b = await bookPending(database.db, service);
    testCode = gatewayCode;
    const res = await pay(service, b).finally(() => (testCode = undefined));
    t.is(res.status, status);
    t.is(res.body.code, code);
    t.is(res.body.gatewayCode, gatewayCode);
    t.regex(res.body.message, /^[\x20-\x7e]+$/, "our own English text, not the gateway's");
    t.is(res.body.attempts, declines);
    t.false(res.body.payOnSite);
    t.is(mock.confirmCount(b.orderId), 0);
    t.is((await reservation(b.reservationId)).status, 'PENDING');
    const [attempt] = (await service.request('GET', `/reservations/${b.reservationId}/payment-attempts`, { token: b.token })).body;
    t.is(attempt.outcome, code === 'PAYMENT_RETRY_LATER' ? 'RETRYABLE' : 'DECLINED');
  });
}

test.serial('POST /orders: Accept-Language: ko answers our Korean text, with the same code and gatewayCode', async (t) => {
  const b = await bookPending(database.db, service);
  testCode = 'REJECT_CARD_PAYMENT';
  const res = await pay(service, b, { headers: { 'accept-language': 'ko-KR' } }).finally(() => (testCode = undefined));
  t.is(res.body.code, 'PAYMENT_DECLINED');
  t.is(res.body.gatewayCode, 'REJECT_CARD_PAYMENT');
  t.regex(res.body.message, /[가-힣]/);
});

for (const gatewayCode of ['FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING', 'UNKNOWN_PAYMENT_ERROR']) {
  test.serial(`POST /orders: a gateway 5xx ${gatewayCode} is no proof of "nothing charged": 202 PAYMENT_PENDING, and the reconciler settles it`, async (t) => {
    const b = await bookPending(database.db, service);
    testCode = gatewayCode;
    const res = await pay(service, b).finally(() => (testCode = undefined));
    t.is(res.status, 202);
    t.is(res.body.status, 'PAYMENT_PENDING');
    t.is(res.headers.get('location'), `/reservations/${b.reservationId}`);
    t.is((await reservation(b.reservationId)).status, 'PAYMENT_IN_PROGRESS');
    await service.payments.reconcile(new Date(Date.now() + service.config.reconcileAfterMs + 1000));
    t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
    t.is(mock.confirmCount(b.orderId), 1);
  });
}

test.serial('POST /orders: three card declines say payOnSite; a fourth POST answers 409 PAY_ON_SITE and never reaches the gateway', async (t) => {
  const b = await bookPending(database.db, service);
  testCode = 'REJECT_CARD_COMPANY';
  const answers = [];
  for (let i = 0; i < 3; i += 1) answers.push(await pay(service, b));
  testCode = undefined;
  t.deepEqual(
    answers.map((a) => [a.body.attempts, a.body.payOnSite]),
    [
      [1, false],
      [2, false],
      [3, true],
    ],
  );
  let confirms = 0;
  const count = () => (confirms += 1);
  mock.events.on('confirming', count);
  const fourth = await pay(service, b).finally(() => mock.events.off('confirming', count));
  t.is(fourth.status, 409);
  t.is(fourth.body.code, 'PAY_ON_SITE');
  t.is(confirms, 0);
  t.is(mock.confirmCount(b.orderId), 0);
  t.is((await reservation(b.reservationId)).status, 'PENDING');
  const attempts = await service.request('GET', `/reservations/${b.reservationId}/payment-attempts`, { token: b.token });
  t.deepEqual(
    attempts.body.map((a: { outcome: string; gatewayCode: string }) => [a.outcome, a.gatewayCode]),
    [
      ['DECLINED', 'REJECT_CARD_COMPANY'],
      ['DECLINED', 'REJECT_CARD_COMPANY'],
      ['DECLINED', 'REJECT_CARD_COMPANY'],
    ],
  );
  t.is((await reservation(b.reservationId)).payment_attempts, 3);
});

test.serial('POST /orders: temporary refusals do not count towards PAY_ON_SITE', async (t) => {
  const b = await bookPending(database.db, service);
  testCode = 'PROVIDER_ERROR';
  for (let i = 0; i < 4; i += 1) t.is((await pay(service, b)).status, 503);
  testCode = undefined;
  t.is((await pay(service, b)).status, 200);
  t.is((await reservation(b.reservationId)).payment_attempts, 0);
});

test.serial('POST /orders: the wrong amount answers 400 AMOUNT_MISMATCH, calls no gateway and writes nothing', async (t) => {
  const b = await bookPending(database.db, service);
  const res = await pay(service, b, { amount: b.amount + 1 });
  t.is(res.status, 400);
  t.is(res.body.code, 'AMOUNT_MISMATCH');
  t.is(mock.confirmCount(b.orderId), 0);
  t.is((await reservation(b.reservationId)).status, 'PENDING');
  t.is((await reservation(b.reservationId)).payment_attempts, 0);
});

test.serial("POST /orders: someone else's reservation answers 404 and calls no gateway", async (t) => {
  const b = await bookPending(database.db, service);
  const [stranger] = await makeUsers(database.db, 1);
  const res = await pay(service, b, { token: service.tokenFor(stranger!) });
  t.is(res.status, 404);
  t.is(res.body.code, 'RESERVATION_NOT_FOUND');
  t.is(mock.confirmCount(b.orderId), 0);
});

test.serial('POST /orders: malformed bodies answer 400 INVALID_REQUEST and call no gateway', async (t) => {
  const b = await bookPending(database.db, service);
  const bodies: unknown[] = [
    {},
    { ...b, paymentKey: '' },
    { reservationId: b.reservationId, paymentKey: 'k', orderId: 'bad id!', amount: b.amount },
    { reservationId: b.reservationId, paymentKey: 'x'.repeat(201), orderId: b.orderId, amount: b.amount },
    { reservationId: b.reservationId, paymentKey: 'k', orderId: b.orderId, amount: '25000' },
    [1, 2],
  ];
  for (const body of bodies) {
    const res = await service.request('POST', '/orders', { token: b.token, body });
    t.is(res.status, 400, JSON.stringify(body));
    t.is(res.body.code, 'INVALID_REQUEST');
  }
  t.is(mock.confirmCount(b.orderId), 0);
  t.is((await reservation(b.reservationId)).status, 'PENDING');
});

test.serial('POST /orders: an Idempotency-Key replays the first answer without a second gateway call', async (t) => {
  const b = await bookPending(database.db, service);
  const paymentKey = await checkout(service, b);
  const first = await pay(service, b, { paymentKey, idempotencyKey: `idem-${b.reservationId}` });
  const again = await pay(service, b, { paymentKey, idempotencyKey: `idem-${b.reservationId}` });
  t.is(first.status, 200);
  t.is(again.status, 200);
  t.deepEqual(again.body, first.body);
  t.is(again.headers.get('idempotent-replayed'), 'true');
  t.is(mock.confirmCount(b.orderId), 1);
  const reused = await pay(service, b, { paymentKey: newPaymentKey(), idempotencyKey: `idem-${b.reservationId}` });
  t.is(reused.status, 422);
  t.is(reused.body.code, 'IDEMPOTENCY_KEY_REUSED');
});

test.serial('POST /reservations/:id/cancel: a pending reservation is canceled without a gateway call and frees the slot', async (t) => {
  const b = await bookPending(database.db, service);
  const before = mock.totalConfirms();
  const res = await service.request('POST', `/reservations/${b.reservationId}/cancel`, { token: b.token, body: { reason: 'nope' } });
  t.is(res.status, 200);
  t.deepEqual(res.body, { id: b.reservationId, status: 'CANCELED', refund: null });
  t.is((await schedule(b.scheduleId)).status, 'AVAILABLE');
  t.is(mock.totalConfirms(), before);
});

test.serial("POST /reservations/:id/cancel: someone else's answers 404, an expired one 409 NOT_CANCELABLE", async (t) => {
  const b = await bookPending(database.db, service);
  const [stranger] = await makeUsers(database.db, 1);
  t.is((await service.request('POST', `/reservations/${b.reservationId}/cancel`, { token: service.tokenFor(stranger!), body: {} })).status, 404);
  await service.request('POST', `/reservations/${b.reservationId}/cancel`, { token: b.token, body: {} });
  const again = await service.request('POST', `/reservations/${b.reservationId}/cancel`, { token: b.token, body: {} });
  t.is(again.status, 409);
  t.is(again.body.code, 'NOT_CANCELABLE');
});

test.serial('the reconciliation report is empty after all of the above', async (t) => {
  await service.payments.reconcile(new Date(Date.now() + service.config.reconcileAfterMs + 1000));
  const report = await service.payments.report({ since: startedAt });
  t.true(report.complete);
  t.deepEqual(report.chargedWithoutBooking, []);
  t.deepEqual(report.bookedWithoutPayment, []);
  t.deepEqual(report.refundsPending, []);
});
