import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { checkout } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedules, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

/**
 * Two instances (each its own actor system, pool and queues) over one database and one gateway.
 * Every step of a booking goes to a random instance, so the instance that answers has often
 * handled an earlier step of the same booking and holds memory younger than ACTOR_STALE_MS that
 * another instance has since overtaken. Memory that old must never refuse a money or booking command.
 */
const BOOKINGS = Number(process.env.ALTERNATION_BOOKINGS ?? 400);
const WORKERS = 8;

let database: TestDatabase;
let mock: TossMock;
let instances: TestService[] = [];

test.before(async () => {
  database = await createTestDatabase(20);
  mock = await startTossMock();
  // A long stale window: without reading first, every overtaken refusal would be answered from memory.
  const env = { ACTOR_STALE_MS: '60000', DATABASE_POOL_MAX: '8' };
  instances = [await startTestService(database.db, env, { tossUrl: mock.url }), await startTestService(database.db, env, { tossUrl: mock.url })];
});

test.after.always(async () => {
  for (const i of instances) await i.close();
  await mock?.close();
  await database?.drop();
});

test(`hold, reserve, pay and cancel alternated at random over two instances: ${BOOKINGS} bookings, no spurious refusal`, async (t) => {
  t.timeout(60_000);
  const schedules = await makeSchedules(database.db, BOOKINGS);
  const users = await makeUsers(database.db, BOOKINGS);
  const pick = () => instances[Math.random() < 0.5 ? 0 : 1]!;
  const unexpected: string[] = [];
  const step = async (what: string, expected: number, call: (s: TestService) => Promise<{ status: number; body: any }>) => {
    const res = await call(pick());
    if (res.status !== expected) unexpected.push(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };

  let next = 0;
  const worker = async () => {
    for (let i = next++; i < BOOKINGS; i = next++) {
      const scheduleId = schedules[i]!;
      const token = instances[0]!.tokenFor(users[i]!);
      // Touching the schedule on both instances first gives both of them memory to be overtaken.
      for (const s of instances) await s.request('GET', `/schedules/${scheduleId}`, { token });
      await step('hold', 200, (s) => s.request('POST', `/schedules/${scheduleId}/hold`, { token }));
      const reserved = await step('reserve', 201, (s) => s.request('POST', '/reservations', { token, body: { scheduleId, participants: 2 } }));
      if (reserved.status !== 201) continue;
      const { id, orderId, amount } = reserved.body as { id: number; orderId: string; amount: number };
      const paymentKey = await checkout(instances[0]!, { orderId, amount });
      await step('pay', 200, (s) => s.request('POST', '/orders', { token, body: { reservationId: id, paymentKey, orderId, amount } }));
      await step('cancel', 200, (s) => s.request('POST', `/reservations/${id}/cancel`, { token, body: { reason: 'alternation' } }));
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));

  t.deepEqual(unexpected.slice(0, 10), [], `${unexpected.length} unexpected answers`);
  const [counts] = await database
    .db('reservations')
    .whereIn('schedule_id', schedules)
    .select(database.db.raw(`count(*) FILTER (WHERE status = 'CANCELED')::int AS canceled`), database.db.raw('count(*)::int AS total'));
  t.deepEqual(counts, { canceled: BOOKINGS, total: BOOKINGS });
});
