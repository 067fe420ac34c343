import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { bookPending, pay } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestService, type TestService } from './helpers/service.js';

// The report finds what it is for: money at the gateway no booking explains, and a confirmed
// booking the gateway holds no money for. Both are planted here, in a database of their own.

let database: TestDatabase;
let mock: TossMock;
let service: TestService;
const since = new Date(Date.now() - 1000);

test.before(async () => {
  database = await createTestDatabase(5);
  mock = await startTossMock();
  service = await startTestService(database.db, { RECONCILE_INTERVAL_MS: '3600000' }, { tossUrl: mock.url });
});

test.after.always(async () => {
  await service?.close();
  await mock?.close();
  await database?.drop();
});

const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; report: any }> {
  const env = { ...process.env, DATABASE_URL: database.url, TOSS_BASE_URL: mock.url, TOSS_SECRET_KEY: 'test_sk_mock', LOG_LEVEL: 'silent' };
  try {
    const { stdout } = await run('npx', ['tsx', 'src/payments/cli/reconcile.ts', ...args], { env });
    return { code: 0, report: JSON.parse(stdout) };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, report: e.stdout ? JSON.parse(e.stdout) : null };
  }
}

test.serial('a paid booking balances; a stray gateway charge and a confirmed booking without money are both listed, by the report and by npm run reconcile', async (t) => {
  const paid = await bookPending(database.db, service);
  t.is((await pay(service, paid)).status, 200);
  t.deepEqual((await service.payments.report({ since })).chargedWithoutBooking, []);

  // A charge for an order we never booked.
  const strayKey = mock.checkout('stray-order-1', 15_000);
  const basic = `Basic ${Buffer.from('test_sk_mock:').toString('base64')}`;
  const stray = await fetch(`${mock.url}/v1/payments/confirm`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ paymentKey: strayKey, orderId: 'stray-order-1', amount: 15_000 }),
  });
  t.is(stray.status, 200);
  // A booking marked CONFIRMED that nobody paid for.
  const unpaid = await bookPending(database.db, service);
  await database.db('reservations').where({ id: unpaid.reservationId }).update({ status: 'CONFIRMED' });

  const report = await service.payments.report({ since });
  t.deepEqual(
    report.chargedWithoutBooking.map((c) => [c.orderId, c.atGateway, c.kept, c.reservationStatus]),
    [['stray-order-1', 15_000, 0, null]],
  );
  t.deepEqual(
    report.bookedWithoutPayment.map((b) => [b.reservationId, b.paid, b.atGateway]),
    [[unpaid.reservationId, null, 0]],
  );

  const fromCli = await cli(['--since', since.toISOString()]);
  t.is(fromCli.code, 1);
  t.is(fromCli.report.chargedWithoutBooking.length, 1);
  t.is(fromCli.report.bookedWithoutPayment.length, 1);
  t.is((await cli(['--since', 'yesterday'])).code, 2);
});
