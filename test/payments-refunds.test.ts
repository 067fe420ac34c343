import test from 'ava';
import { createTossClient, type PaymentGateway } from '../src/payments/index.js';
import { DEFAULT_POLICY, refundAmount, refundPercent } from '../src/payments/policy.js';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { bookPending, pay } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

// Refunds by policy: 100% until 24 h before the start, 50% until 3 h, none after (or the theme's
// own tiers), sent as a partial cancel, shown before the user confirms, and done only once the
// gateway's cancels[] shows the cancel.

let database: TestDatabase;
let mock: TossMock;
let service: TestService;
let lying = false;
const since = new Date(Date.now() - 1000);

test.before(async () => {
  database = await createTestDatabase(10);
  mock = await startTossMock();
  const real = createTossClient({ baseUrl: mock.url, secretKey: 'test_sk_mock', timeoutMs: 2000 });
  // While `lying`, a cancel answers 200 with the payment as it was: no cancel in cancels[].
  const gateway: PaymentGateway = {
    ...real,
    transactions: real.transactions!.bind(real),
    cancel: async (key, input, idem) => {
      if (!lying) return real.cancel(key, input, idem);
      const found = await real.findByOrderId(mock.paymentOf([...mock.balances().keys()].find((o) => mock.paymentOf(o)?.paymentKey === key) ?? '')?.orderId ?? '');
      return found;
    },
  };
  service = await startTestService(database.db, { RECONCILE_AFTER_MS: '1', RECONCILE_INTERVAL_MS: '3600000' }, { tossUrl: mock.url, gateway });
});

test.after.always(async () => {
  await service?.close();
  await mock?.close();
  await database?.drop();
});

const HOUR = 3_600_000;

test('refundPercent at each boundary of the default policy', (t) => {
  const start = new Date('2026-12-24T10:00:00Z');
  const before = (ms: number) => new Date(start.getTime() - ms);
  t.is(refundPercent(DEFAULT_POLICY, start, before(24 * HOUR)), 100);
  t.is(refundPercent(DEFAULT_POLICY, start, before(24 * HOUR - 1)), 50);
  t.is(refundPercent(DEFAULT_POLICY, start, before(3 * HOUR)), 50);
  t.is(refundPercent(DEFAULT_POLICY, start, before(3 * HOUR - 1)), 0);
  t.is(refundPercent(DEFAULT_POLICY, start, before(-HOUR)), 0);
  t.is(refundAmount(25_001, 50), 12_500);
});

/** A paid reservation on a schedule that starts `ms` from now (to the minute), optionally with a theme policy. */
async function paidStartingIn(ms: number, policy?: unknown) {
  const themeId = await makeTheme(database.db);
  if (policy)
    await database
      .db('themes')
      .where({ id: themeId })
      .update({ refund_policy: JSON.stringify(policy) });
  const startsAt = new Date(Math.ceil((Date.now() + ms) / 60_000) * 60_000);
  const kst = new Date(startsAt.getTime() + 9 * HOUR).toISOString();
  const [row] = await database
    .db('schedules')
    .insert({ theme_id: themeId, date: kst.slice(0, 10), start_time: kst.slice(11, 16), starts_at: startsAt })
    .returning('id');
  const b = await bookPending(database.db, service, { scheduleId: row.id });
  const paid = await pay(service, b);
  if (paid.status !== 200) throw new Error(`pay failed: ${JSON.stringify(paid.body)}`);
  return b;
}

const TIERS: [string, number, number, unknown?][] = [
  ['25 h before: 100%', 25 * HOUR, 100],
  ['10 h before: 50%', 10 * HOUR, 50],
  ['2 h before: nothing', 2 * HOUR, 0],
  ["11 h before with the theme's own 80% from 10 h", 11 * HOUR, 80, [{ before: 600, percent: 80 }]],
];

for (const [label, ms, percent, policy] of TIERS) {
  test.serial(`cancel ${label}: the quote says it, the gateway cancels exactly that (cancelAmount), cancels[] shows it`, async (t) => {
    const b = await paidStartingIn(ms, policy);
    const quote = await service.request('GET', `/reservations/${b.reservationId}/cancel-quote`, { token: b.token });
    t.is(quote.status, 200);
    t.true(quote.body.cancelable);
    t.is(quote.body.refundPercent, percent);
    const expected = refundAmount(b.amount, percent);
    t.is(quote.body.refundAmount, expected);
    t.regex(quote.body.startsAt, /Z$/);

    const canceled = await service.request('POST', `/reservations/${b.reservationId}/cancel`, { token: b.token, body: { reason: 'plans changed' } });
    t.is(canceled.status, 200);
    t.deepEqual(canceled.body.refund, expected > 0 ? { status: 'DONE', amount: expected } : { status: 'NONE', amount: 0 });
    const atGateway = mock.paymentOf(b.orderId)!;
    t.is(atGateway.balanceAmount, b.amount - expected);
    t.is(atGateway.status, expected === b.amount ? 'CANCELED' : expected > 0 ? 'PARTIAL_CANCELED' : 'DONE');
    const payment = await database.db('payments').where({ order_id: b.orderId }).first();
    t.is(payment.refunded_amount, expected);
    const refunds = await database.db('payment_refunds').where({ payment_id: payment.id });
    t.deepEqual(
      refunds.map((r) => [r.amount, r.status, r.transaction_key]),
      expected > 0 ? [[expected, 'DONE', atGateway.cancels![0]!.transactionKey]] : [],
    );
  });
}

test.serial("a quote for someone else's reservation answers 404", async (t) => {
  const b = await paidStartingIn(25 * HOUR);
  const [stranger] = await makeUsers(database.db, 1);
  t.is((await service.request('GET', `/reservations/${b.reservationId}/cancel-quote`, { token: service.tokenFor(stranger!) })).status, 404);
});

test.serial('a 200 whose cancels[] does not show the refund is not a refund: it stays owed and is retried until cancels[] shows it', async (t) => {
  const b = await paidStartingIn(25 * HOUR);
  lying = true;
  const canceled = await service.request('POST', `/reservations/${b.reservationId}/cancel`, { token: b.token, body: { reason: 'sick' } });
  t.is(canceled.body.refund.status, 'PENDING');
  const payment = await database.db('payments').where({ order_id: b.orderId }).first();
  t.is(payment.refund_status, 'REQUESTED');
  t.is(payment.refunded_amount, 0);
  lying = false;
  await service.payments.reconcile(new Date(Date.now() + 60_000));
  const after = await database.db('payments').where({ order_id: b.orderId }).first();
  t.is(after.refund_status, 'DONE');
  t.is(after.refunded_amount, b.amount);
  t.is(mock.paymentOf(b.orderId)?.cancels?.length, 1);
});

test.serial('the reconciliation report is empty after all of the above: kept fees are explained by their canceled bookings', async (t) => {
  const report = await service.payments.report({ since });
  t.true(report.complete);
  t.deepEqual(report.chargedWithoutBooking, []);
  t.deepEqual(report.bookedWithoutPayment, []);
  t.deepEqual(report.refundsPending, []);
});
