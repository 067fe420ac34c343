import test from 'ava';
import { once } from 'node:events';
import { beginPayment, expireSchedule } from '../src/actors/schedule/index.js';
import { confirmKey } from '../src/payments/confirm.js';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { bookPending, eventually, pay } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestService, type TestService } from './helpers/service.js';
import { makeSchedule } from './helpers/fixtures.js';
import { addDays, kstDate } from '../src/time/kst.js';

let database: TestDatabase;
let mock: TossMock;
let service: TestService;
const startedAt = new Date(Date.now() - 1000);

test.before(async () => {
  database = await createTestDatabase(20);
  mock = await startTossMock();
  service = await startTestService(database.db, { PAYMENT_TIMEOUT_MS: '400', RECONCILE_AFTER_MS: '1', RECONCILE_INTERVAL_MS: '3600000' }, { tossUrl: mock.url });
});

test.after.always(async () => {
  await service?.close();
  await mock?.close();
  await database?.drop();
});

test.afterEach.always(() => mock.setSwitches({ latencyMs: 0, failureRate: 0, dropAfterApprove: false, commit: 'before' }));

const reservation = (id: number) => database.db('reservations').where({ id }).first();
const schedule = (id: number) => database.db('schedules').where({ id }).first();

test.serial('an expiry during PAYMENT_IN_PROGRESS changes nothing, and the payment still confirms', async (t) => {
  const b = await bookPending(database.db, service);
  mock.setSwitches({ latencyMs: 300 });
  const approved = once(mock.events, 'approved');
  const paying = pay(service, b);
  await approved;
  t.is((await reservation(b.reservationId)).status, 'PAYMENT_IN_PROGRESS');
  await database
    .db('reservations')
    .where({ id: b.reservationId })
    .update({ expires_at: new Date(Date.now() - 1000) });
  const expiry = await expireSchedule(service.actors.schedules, b.scheduleId);
  t.deepEqual(expiry, { ok: true, expired: null });
  t.is((await paying).status, 200);
  t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
  t.is((await schedule(b.scheduleId)).status, 'RESERVED');
});

test.serial('paying after the deadline answers 409 RESERVATION_NOT_PAYABLE and makes no gateway call', async (t) => {
  const b = await bookPending(database.db, service);
  const fresh = await startTestService(database.db, {}, { tossUrl: mock.url });
  t.teardown(() => fresh.close());
  await database
    .db('reservations')
    .where({ id: b.reservationId })
    .update({ expires_at: new Date(Date.now() - 1000) });
  const res = await pay(fresh, b);
  t.is(res.status, 409);
  t.is(res.body.code, 'RESERVATION_NOT_PAYABLE');
  t.is(mock.confirmCount(b.orderId), 0);
});

test.serial('the gateway approves but the response is dropped: the order is looked up, CONFIRMED, and charged once', async (t) => {
  const b = await bookPending(database.db, service);
  mock.setSwitches({ dropAfterApprove: true });
  const res = await pay(service, b);
  t.is(res.status, 200);
  t.is(res.body.status, 'CONFIRMED');
  t.is(mock.confirmCount(b.orderId), 1);
  t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
});

test.serial('the gateway answers after our timeout: the order is looked up and CONFIRMED, charged once', async (t) => {
  const b = await bookPending(database.db, service);
  mock.setSwitches({ latencyMs: 1500 });
  const res = await pay(service, b);
  t.is(res.status, 200);
  t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
  t.is(mock.confirmCount(b.orderId), 1);
});

test.serial('neither the answer nor a lookup gets through: 202 PAYMENT_PENDING, then the reconciler confirms it, charged once', async (t) => {
  let lookupsFail = true;
  const blind = await startTestService(
    database.db,
    { PAYMENT_TIMEOUT_MS: '400', RECONCILE_AFTER_MS: '1', RECONCILE_INTERVAL_MS: '3600000' },
    {
      tossUrl: mock.url,
      tossHeaders: (path): Record<string, string> => (lookupsFail && path.includes('/orders/') ? { 'TossPayments-Test-Code': 'FAILED_INTERNAL_SYSTEM_PROCESSING' } : {}),
    },
  );
  t.teardown(() => blind.close());
  const b = await bookPending(database.db, blind);
  mock.setSwitches({ latencyMs: 1500 });
  const res = await pay(blind, b);
  t.is(res.status, 202);
  t.is(res.body.status, 'PAYMENT_PENDING');
  t.is((await reservation(b.reservationId)).status, 'PAYMENT_IN_PROGRESS');
  lookupsFail = false;
  const report = await blind.payments.reconcile();
  t.true(report.confirmed >= 1);
  t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
  t.is(mock.confirmCount(b.orderId), 1);
});

// A crash right after BeginPayment: the attempt is on record (written with PAYMENT_IN_PROGRESS), the gateway never heard of it.
const crashAfterBegin = (b: Awaited<ReturnType<typeof bookPending>>, paymentKey: string) =>
  beginPayment(service.actors.schedules, {
    scheduleId: b.scheduleId,
    userId: b.userId,
    reservationId: b.reservationId,
    orderId: b.orderId,
    amount: b.amount,
    paymentKey,
    idempotencyKey: confirmKey({ ...b, paymentKey }),
    maxDeclines: 3,
    checkAt: new Date(),
  });

test.serial("a crash before the gateway call: the reconciler sends the confirm under the attempt's key and CONFIRMS it, charged once", async (t) => {
  const b = await bookPending(database.db, service);
  const begun = await crashAfterBegin(b, mock.checkout(b.orderId, b.amount));
  t.true(begun.ok);
  t.is((await reservation(b.reservationId)).status, 'PAYMENT_IN_PROGRESS');
  const report = await service.payments.reconcile();
  t.is(report.confirmed, 1);
  t.is((await reservation(b.reservationId)).status, 'CONFIRMED');
  t.is(mock.confirmCount(b.orderId), 1);
});

test.serial('the reconciler sends an attempt the gateway refuses for good (no checkout session) back to PENDING, not counted as a decline', async (t) => {
  const b = await bookPending(database.db, service);
  t.true((await crashAfterBegin(b, 'tgen_never_checked_out')).ok);
  const report = await service.payments.reconcile();
  t.is(report.released, 1);
  const row = await reservation(b.reservationId);
  t.is(row.status, 'PENDING');
  t.is(row.payment_attempts, 0);
  t.is((await database.db('payment_attempts').where({ reservation_id: b.reservationId }).first()).outcome, 'DECLINED');
});

test.serial('saving after approval fails: the client still gets 200, and the durable retry lands it', async (t) => {
  const b = await bookPending(database.db, service);
  await database.db.raw(`
    CREATE OR REPLACE FUNCTION refuse_confirm() RETURNS trigger AS $$
    BEGIN IF NEW.status = 'CONFIRMED' THEN RAISE EXCEPTION 'confirmations are broken for this test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
  await database.db.raw(`CREATE TRIGGER refuse_confirm BEFORE UPDATE ON reservations FOR EACH ROW EXECUTE FUNCTION refuse_confirm()`);
  t.teardown(() => database.db.raw('DROP TRIGGER IF EXISTS refuse_confirm ON reservations'));
  const res = await pay(service, b);
  t.is(res.status, 200);
  t.is(res.body.status, 'CONFIRMED');
  t.is((await reservation(b.reservationId)).status, 'PAYMENT_IN_PROGRESS');
  await database.db.raw('DROP TRIGGER refuse_confirm ON reservations');
  await eventually(async () => (await reservation(b.reservationId)).status === 'CONFIRMED');
  t.is((await database.db('payments').where({ reservation_id: b.reservationId })).length, 1);
  t.is(mock.confirmCount(b.orderId), 1);
});

test.serial('a refund the gateway fails is retried until it is done, never forgotten', async (t) => {
  // Three days ahead: more than 24 h before the start whatever the hour, so the policy refunds it all.
  const b = await bookPending(database.db, service, { scheduleId: await makeSchedule(database.db, { date: addDays(kstDate(new Date()), 3) }) });
  t.is((await pay(service, b)).status, 200);
  mock.setSwitches({ failureRate: 1 });
  const canceled = await service.request('POST', `/reservations/${b.reservationId}/cancel`, { token: b.token, body: { reason: 'sick' } });
  t.is(canceled.status, 200);
  t.is(canceled.body.refund.status, 'PENDING');
  t.is((await schedule(b.scheduleId)).status, 'AVAILABLE');
  const refundedAt = once(mock.events, 'canceled');
  mock.setSwitches({ failureRate: 0 });
  await refundedAt;
  await eventually(async () => (await database.db('payments').where({ reservation_id: b.reservationId }).first()).refund_status === 'DONE');
  const payment = await database.db('payments').where({ reservation_id: b.reservationId }).first();
  t.true(payment.refund_attempts >= 1);
  t.is(payment.refunded_amount, b.amount);
});

test.serial('the reconciliation report is empty after all of the above', async (t) => {
  await service.payments.reconcile();
  const report = await service.payments.report({ since: startedAt });
  t.true(report.complete);
  t.deepEqual(report.chargedWithoutBooking, []);
  t.deepEqual(report.bookedWithoutPayment, []);
  t.deepEqual(report.refundsPending, []);
});
