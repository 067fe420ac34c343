import test from 'ava';
import { signToken } from '../src/http/auth/jwt.js';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedules, makeUsers } from './helpers/fixtures.js';
import { startTestService, TEST_JWT_SECRET } from './helpers/service.js';
import { startInstance, type Instance } from './fixtures/instance.js';

// 200 bookings through two service processes while the gateway delays commits past our timeout,
// drops approved answers, answers 409 for a confirm in flight and fails 10% with a 5xx, and one
// process is killed mid-run and replaced. Afterwards, with the gateway healthy again, everything
// settles: every order the gateway holds money for is a CONFIRMED booking, every other charge was
// refunded, nothing is charged twice, and the reconciliation report is empty.

const BOOKINGS = 200;
const CONCURRENCY = 16;

let database: TestDatabase;
let mock: TossMock;
const instances: Instance[] = [];

test.before(async () => {
  database = await createTestDatabase(10);
  mock = await startTossMock({ secretKey: 'test_sk_chaos' });
});

test.after.always(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await mock?.close();
  await database?.drop();
});

const env = (tag: string) => ({
  DATABASE_URL: database.url,
  JWT_SECRET: TEST_JWT_SECRET,
  TOSS_BASE_URL: mock.url,
  TOSS_SECRET_KEY: 'test_sk_chaos',
  PAYMENT_TIMEOUT_MS: '250',
  PAYMENT_RETRY_BACKOFF_MS: '20',
  RECONCILE_AFTER_MS: '300',
  RECONCILE_INTERVAL_MS: '1000',
  DATA_DIR: `/tmp/roomescape-chaos-${process.pid}-${tag}`,
});

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

test('chaos: 200 bookings, a faulty gateway and a killed process end with gateway money = CONFIRMED + refunded, no double charge, an empty report', async (t) => {
  t.timeout(58_000);
  const since = new Date(Date.now() - 1000);
  const [a, b] = await Promise.all([startInstance(env('a')), startInstance(env('b'))]);
  instances.push(a!, b!);
  const scheduleIds = await makeSchedules(database.db, BOOKINGS);
  const userIds = await makeUsers(database.db, BOOKINGS);
  mock.setSwitches({ commit: 'after', latencyMs: { min: 0, max: 500 }, dropRate: 0.1, failureRate: 0.1, conflictInFlight: true });

  const live = [a!, b!];
  const outcomes: Record<string, number> = {};
  const note = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  let next = 0;
  let killed = false;
  async function book(i: number) {
    const base = live[i % live.length]!.url;
    const token = signToken({ sub: userIds[i]!, role: 'USER' }, TEST_JWT_SECRET, 3600);
    try {
      if ((await call(base, 'POST', `/schedules/${scheduleIds[i]}/hold`, token)).status !== 200) {
        note('hold failed');
        return;
      }
      const r = await call(base, 'POST', '/reservations', token, { scheduleId: scheduleIds[i], participants: 2 });
      if (r.status !== 201) {
        note('reserve failed');
        return;
      }
      const paymentKey = mock.checkout(r.body.orderId, r.body.amount);
      const paid = await call(base, 'POST', '/orders', token, { reservationId: r.body.id, paymentKey, orderId: r.body.orderId, amount: r.body.amount });
      note(String(paid.status));
    } catch {
      note('connection lost');
    }
  }
  async function worker() {
    while (next < BOOKINGS) {
      const i = next++;
      if (i === BOOKINGS / 2 && !killed) {
        // Half-way: kill one process outright and bring up a replacement on the same database.
        killed = true;
        live.splice(live.indexOf(a!), 1);
        a!.child.kill('SIGKILL');
        void startInstance(env('c')).then((c) => {
          instances.push(c);
          live.push(c);
        });
      }
      await book(i);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  t.log('answers to POST /orders:', outcomes);
  t.true((outcomes['202'] ?? 0) > 0, 'some outcomes were unknown');

  // The gateway recovers; the instances' reconcilers settle what was left open.
  mock.setSwitches({ latencyMs: 0, dropRate: 0, failureRate: 0, conflictInFlight: false });
  const settler = await startTestService(database.db, { RECONCILE_INTERVAL_MS: '3600000', RECONCILE_AFTER_MS: '300' }, { tossUrl: mock.url, tossSecretKey: 'test_sk_chaos' });
  t.teardown(() => settler.close());
  // Each round looks as of a little later, past every backoff but well inside the 30-minute horizon
  // (an attempt voided while its confirm is still in flight could be approved after its void).
  for (let round = 0; round < 20; round += 1) {
    if (round > 0) await new Promise((r) => setTimeout(r, 100)); // confirms still in flight at the mock finish; nothing announces it
    const report = await settler.payments.reconcile(new Date(Date.now() + 10 * 60_000 + round * 30_000));
    const open = await database.db('reservations').where({ status: 'PAYMENT_IN_PROGRESS' }).count({ n: '*' });
    const owed = await database.db('payment_refunds').where({ status: 'REQUESTED' }).count({ n: '*' });
    if (report.backlog === 0 && Number(open[0]!.n) === 0 && Number(owed[0]!.n) === 0) break;
  }

  const balances = mock.balances();
  const confirmed = await database.db('reservations').where({ status: 'CONFIRMED' }).select('order_id');
  const refunded = await database.db('payments').where({ refund_status: 'DONE' }).whereNot('refunded_amount', 0).select('order_id');
  t.deepEqual([...balances.keys()].sort(), confirmed.map((r) => r.order_id).sort(), 'the gateway holds money exactly for the CONFIRMED bookings');
  const everCharged = (await database.db('reservations').select('order_id')).filter((r) => mock.confirmCount(r.order_id) > 0).length;
  t.is(everCharged, confirmed.length + refunded.length, 'every charge is a booking or a recorded refund');
  t.true(
    (await database.db('reservations').select('order_id')).every((r) => mock.confirmCount(r.order_id) <= 1),
    'no order charged twice',
  );
  t.is(Number((await database.db('reservations').where({ status: 'PAYMENT_IN_PROGRESS' }).count({ n: '*' }))[0]!.n), 0);

  const report = await settler.payments.report({ since });
  t.deepEqual(report.chargedWithoutBooking, []);
  t.deepEqual(report.bookedWithoutPayment, []);
  t.deepEqual(report.refundsPending, []);
  t.log(`${confirmed.length} confirmed, ${refunded.length} refunded`);
});
