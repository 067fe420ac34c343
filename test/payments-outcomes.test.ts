import test from 'ava';
import { once } from 'node:events';
import { expireSchedule } from '../src/actors/schedule/index.js';
import { createTossClient } from '../src/payments/index.js';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { bookPending, pay } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeUsers } from './helpers/fixtures.js';
import { recording, type Call } from './helpers/recording-gateway.js';
import { startTestService, type TestService } from './helpers/service.js';

// The case that lost money: the gateway holds a confirm past our timeout and commits at the end;
// the lookup answers 404, the retry with the same key 409, the lookup 404 again. The outcome is
// unknown, never "nothing was charged", and it ends CONFIRMED or refunded.

let database: TestDatabase;
let mock: TossMock;
let service: TestService;
let calls: Call[];
let lookupsFail = false;
const since = new Date(Date.now() - 1000);

const ENV = { PAYMENT_TIMEOUT_MS: '300', PAYMENT_RETRY_BACKOFF_MS: '20', PAYMENT_CONFIRM_RETRIES: '1', RECONCILE_AFTER_MS: '1', RECONCILE_INTERVAL_MS: '3600000', PAYMENT_SETTLE_HORIZON_MS: '600000' };

test.before(async () => {
  database = await createTestDatabase(10);
  mock = await startTossMock({ commit: 'after' });
  const client = createTossClient({
    baseUrl: mock.url,
    secretKey: 'test_sk_mock',
    timeoutMs: 300,
    headers: (path): Record<string, string> => (lookupsFail && path.includes('/orders/') ? { 'TossPayments-Test-Code': 'FAILED_INTERNAL_SYSTEM_PROCESSING' } : {}),
  });
  const rec = recording(client);
  calls = rec.calls;
  service = await startTestService(database.db, ENV, { tossUrl: mock.url, gateway: rec.gateway });
});

test.after.always(async () => {
  await service?.close();
  await mock?.close();
  await database?.drop();
});

test.afterEach.always(() => {
  lookupsFail = false;
  mock.setSwitches({ latencyMs: 0 });
});

const reservation = (id: number) => database.db('reservations').where({ id }).first();

/** Pays with the gateway committing 900 ms after the confirm arrived, well past our 300 ms timeout. */
async function slowPayment() {
  const b = await bookPending(database.db, service);
  mock.setSwitches({ latencyMs: 900 });
  // Once the gateway has charged, it is fast again (cancels and lookups are not what these tests delay).
  const approved = once(mock.events, 'approved').then(() => mock.setSwitches({ latencyMs: 0 }));
  calls.length = 0;
  const res = await pay(service, b);
  return { b, res, approved };
}

test.serial('the exact sequence (commit after latency, timeout, 404, 409, 404) answers 202 PAYMENT_PENDING and keeps PAYMENT_IN_PROGRESS, then ends CONFIRMED, charged once', async (t) => {
  const { b, res, approved } = await slowPayment();
  t.deepEqual(calls, [
    { op: 'confirm', result: 'timeout' },
    { op: 'lookup', result: 'NOT_FOUND_PAYMENT' },
    { op: 'confirm', result: 'IDEMPOTENT_REQUEST_PROCESSING' },
    { op: 'lookup', result: 'NOT_FOUND_PAYMENT' },
  ]);
  t.is(res.status, 202);
  t.is(res.body.status, 'PAYMENT_PENDING');
  t.is(res.headers.get('location'), `/reservations/${b.reservationId}`);
  t.is((await reservation(b.reservationId)).status, 'PAYMENT_IN_PROGRESS');

  // Expiry never touches a payment in progress, even past its deadline.
  await database
    .db('reservations')
    .where({ id: b.reservationId })
    .update({ expires_at: new Date(Date.now() - 1000) });
  t.deepEqual(await expireSchedule(service.actors.schedules, b.scheduleId), { ok: true, expired: null });

  await approved;
  const report = await service.payments.reconcile();
  t.is(report.confirmed, 1);
  const polled = await service.request('GET', res.headers.get('location')!, { token: b.token });
  t.is(polled.body.status, 'CONFIRMED');
  t.regex(polled.body.payment.approvedAt, /Z$/);
  t.is(mock.confirmCount(b.orderId), 1);
  const attempts = await service.request('GET', `/reservations/${b.reservationId}/payment-attempts`, { token: b.token });
  t.deepEqual(
    attempts.body.map((a: { outcome: string }) => a.outcome),
    ['APPROVED'],
  );
});

test.serial('the same sequence, but the reservation is gone when the approval is found: it is refunded in full and recorded', async (t) => {
  const { b, res, approved } = await slowPayment();
  t.is(res.status, 202);
  await approved;
  // As the old code did: the reservation was given up and its slot freed while the gateway was still charging.
  await database.db('reservations').where({ id: b.reservationId }).update({ status: 'EXPIRED' });
  await database.db('schedules').where({ id: b.scheduleId }).update({ status: 'AVAILABLE', held_by: null, hold_expires_at: null }).increment('version', 1);

  const report = await service.payments.reconcile();
  t.is(report.refundedOrphans, 1);
  t.is((await reservation(b.reservationId)).status, 'EXPIRED');
  t.is(mock.paymentOf(b.orderId)?.status, 'CANCELED');
  const payment = await database.db('payments').where({ order_id: b.orderId }).first();
  t.is(payment.refund_status, 'DONE');
  t.is(payment.refunded_amount, b.amount);
  const [refund] = await database.db('payment_refunds').where({ payment_id: payment.id });
  t.is(refund.status, 'DONE');
  t.truthy(refund.transaction_key);
});

test.serial('lookups that keep failing: the attempt is looked at again with a doubling backoff, never guessed', async (t) => {
  const { b, res, approved } = await slowPayment();
  t.is(res.status, 202);
  await approved;
  lookupsFail = true;
  const first = await service.payments.reconcile(new Date(Date.now() + 1000));
  t.is(first.undecided, 1);
  const after1 = await database.db('payment_attempts').where({ reservation_id: b.reservationId }).first();
  await service.payments.reconcile(new Date(after1.next_check_at.getTime() + 1));
  const after2 = await database.db('payment_attempts').where({ reservation_id: b.reservationId }).first();
  t.is(after2.checks, 2);
  t.is(after2.outcome, 'UNKNOWN');
  t.true(after2.next_check_at > after1.next_check_at);
  t.is((await reservation(b.reservationId)).status, 'PAYMENT_IN_PROGRESS');
  lookupsFail = false;
  await service.payments.reconcile(new Date(after2.next_check_at.getTime() + 1));
  t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
});

test.serial('past the horizon, an attempt nobody could settle is canceled at the gateway by its paymentKey and the money recorded as refunded', async (t) => {
  const { b, res, approved } = await slowPayment();
  t.is(res.status, 202);
  await approved;
  lookupsFail = true;
  const report = await service.payments.reconcile(new Date(Date.now() + service.config.paymentSettleHorizonMs + 1000));
  t.is(report.voided, 1);
  t.is(mock.paymentOf(b.orderId)?.status, 'CANCELED');
  // Its order can never be charged again, so the booking is let go and its slot freed.
  t.is((await reservation(b.reservationId)).status, 'EXPIRED');
  t.is((await database.db('schedules').where({ id: b.scheduleId }).first()).status, 'AVAILABLE');
  // The refund is done only once cancels[] shows it: with lookups failing, the next run verifies it.
  lookupsFail = false;
  await service.payments.reconcile(new Date(Date.now() + 60_000));
  const payment = await database.db('payments').where({ order_id: b.orderId }).first();
  t.is(payment.refund_status, 'DONE');
  t.is(payment.refunded_amount, b.amount);
});

test.serial('the reconciliation report is empty after all of the above (and shows nothing to an ordinary user)', async (t) => {
  await service.payments.reconcile(new Date(Date.now() + 60_000));
  const [admin, user] = [...(await makeUsers(database.db, 1, 'ADMIN')), ...(await makeUsers(database.db, 1))];
  const path = `/admin/payments/reconciliation?since=${since.toISOString()}`;
  t.is((await service.request('GET', path, { token: service.tokenFor(user!) })).status, 403);
  const res = await service.request('GET', path, { token: service.tokenFor(admin!, 'ADMIN') });
  t.is(res.status, 200);
  t.true(res.body.complete);
  t.true(res.body.gatewayTransactions >= 4);
  t.deepEqual(res.body.chargedWithoutBooking, []);
  t.deepEqual(res.body.bookedWithoutPayment, []);
  t.deepEqual(res.body.refundsPending, []);
});
