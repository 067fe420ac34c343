import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedules, makeUsers } from './helpers/fixtures.js';
import { startTestService } from './helpers/service.js';

// The sweep pages through the whole ledger, not a fixed first 100, bounded per run by time; what a
// run leaves is its backlog, on /metrics.

let database: TestDatabase;
let mock: TossMock;

test.before(async () => {
  database = await createTestDatabase(10);
  mock = await startTossMock();
});

test.after.always(async () => {
  await mock?.close();
  await database?.drop();
});

// Due an hour from now: the run every service makes at start leaves them alone; the tests run the sweep as of later.
const DUE = new Date(Date.now() + 3_600_000);
const LATER = new Date(DUE.getTime() + 1000);

/** `n` reservations left in PAYMENT_IN_PROGRESS by a crash after BeginPayment, each with its open attempt. */
async function crashedAttempts(n: number, tag: string, due = DUE): Promise<number[]> {
  const scheduleIds = await makeSchedules(database.db, n);
  const userIds = await makeUsers(database.db, n);
  const rows = scheduleIds.map((scheduleId, i) => ({
    schedule_id: scheduleId,
    user_id: userIds[i],
    status: 'PAYMENT_IN_PROGRESS',
    order_id: `${tag}-${i}-order`,
    amount: 25_000,
    participants: 2,
    expires_at: new Date(Date.now() + 600_000),
  }));
  const reservations: { id: number; order_id: string }[] = await database.db('reservations').insert(rows).returning(['id', 'order_id']);
  await database.db('payment_attempts').insert(
    // Keys no checkout issued: the re-sent confirm is refused for good, so each attempt is released.
    reservations.map((r) => ({
      reservation_id: r.id,
      order_id: r.order_id,
      payment_key: `never-${r.order_id}`,
      amount: 25_000,
      success: false,
      idempotency_key: `confirm:${r.order_id}`,
      next_check_at: due,
    })),
  );
  return reservations.map((r) => r.id);
}

test.serial('one run settles 150 open attempts, more than a page of 100, and leaves no backlog', async (t) => {
  const ids = await crashedAttempts(150, 'all');
  const service = await startTestService(database.db, { RECONCILE_INTERVAL_MS: '3600000', RECONCILE_BUDGET_MS: '60000' }, { tossUrl: mock.url });
  t.teardown(() => service.close());
  const report = await service.payments.reconcile(LATER);
  t.is(report.checked, 150);
  t.false(report.outOfTime);
  t.is(report.backlog, 0);
  const left = await database.db('reservations').whereIn('id', ids).whereNot('status', 'PENDING').count({ n: '*' });
  t.is(Number(left[0]!.n), 0);
});

test.serial('a run out of time stops, and its backlog is on /metrics', async (t) => {
  // Due now: the run at start and the run under test both run out of time with most of them left.
  await crashedAttempts(120, 'budget', new Date(Date.now() - 1000));
  const service = await startTestService(database.db, { RECONCILE_INTERVAL_MS: '3600000', RECONCILE_BUDGET_MS: '1' }, { tossUrl: mock.url });
  t.teardown(() => service.close());
  const report = await service.payments.reconcile();
  t.true(report.outOfTime);
  t.true(report.backlog > 0);
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const shown = Number(/payment_reconcile_backlog\{kind="attempts"\} (\d+)/.exec(metrics)?.[1]);
  t.true(
    shown > 0,
    metrics
      .split('\n')
      .filter((l) => l.startsWith('payment_reconcile'))
      .join('\n'),
  );
});
