import test from 'ava';
import { once } from 'node:events';
import { signToken } from '../src/http/auth/jwt.js';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { startInstance, type Instance } from './fixtures/instance.js';

let database: TestDatabase;
let mock: TossMock;
const instances: Instance[] = [];

test.before(async () => {
  database = await createTestDatabase(5);
  mock = await startTossMock({ secretKey: 'test_sk_crash' });
});

test.after.always(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await mock?.close();
  await database?.drop();
});

const env = () => ({
  DATABASE_URL: database.url,
  JWT_SECRET: TEST_JWT_SECRET,
  TOSS_BASE_URL: mock.url,
  TOSS_SECRET_KEY: 'test_sk_crash',
  RECONCILE_AFTER_MS: '500',
  RECONCILE_INTERVAL_MS: '300',
  DATA_DIR: `/tmp/roomescape-crash-${process.pid}`,
});

async function call(instance: Instance, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(instance.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

test('the service is killed (SIGKILL) after the gateway approved and before the save: after a restart the reservation is CONFIRMED, charged once', async (t) => {
  const first = await startInstance(env());
  instances.push(first);
  const scheduleId = await makeSchedule(database.db);
  const [userId] = await makeUsers(database.db, 1);
  const token = signToken({ sub: userId!, role: 'USER' }, TEST_JWT_SECRET, 3600);
  t.is((await call(first, 'POST', `/schedules/${scheduleId}/hold`, token)).status, 200);
  const reserved = await call(first, 'POST', '/reservations', token, { scheduleId, participants: 2 });
  t.is(reserved.status, 201);

  // The mock approves, then holds its answer back: the process dies while waiting for it.
  mock.setSwitches({ latencyMs: 3000 });
  const approved = once(mock.events, 'approved');
  const paying = call(first, 'POST', '/orders', token, {
    reservationId: reserved.body.id,
    paymentKey: mock.checkout(reserved.body.orderId, reserved.body.amount),
    orderId: reserved.body.orderId,
    amount: reserved.body.amount,
  }).catch((err: Error) => err);
  await approved;
  first.child.kill('SIGKILL');
  t.true((await paying) instanceof Error, 'the client saw the connection die');
  mock.setSwitches({ latencyMs: 0 });
  t.is((await database.db('reservations').where({ id: reserved.body.id }).first()).status, 'PAYMENT_IN_PROGRESS');

  const second = await startInstance(env());
  instances.push(second);
  await eventually(async () => (await database.db('reservations').where({ id: reserved.body.id }).first()).status === 'CONFIRMED', 20_000);
  t.is((await database.db('schedules').where({ id: scheduleId }).first()).status, 'RESERVED');
  t.is((await database.db('payments').where({ reservation_id: reserved.body.id })).length, 1);
  t.is(mock.confirmCount(reserved.body.orderId), 1);
  const mine = await call(second, 'GET', `/reservations/${reserved.body.id}`, token);
  t.is(mine.body.status, 'CONFIRMED');
});
