import test from 'ava';
import { createBullQueues, QueueUnavailableError } from '../src/queue/index.js';
import { createScheduleCommandClient, type ScheduleCommandClient } from '../src/queue/client.js';
import type { JobQueue } from '../src/queue/types.js';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { bookPending, pay } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { dropRedisKeys, uniquePrefix } from './fixtures/instance.js';

/**
 * The service's Redis behind a proxy that refuses or stalls: nothing that awaits Redis may wait
 * unbounded. Scrapes answer with the last known queue counts, the bus client's one deadline
 * covers adding the job and rejects with QueueUnavailableError, and a cancel whose refund needs a
 * follow-up answers in its normal time (the refund stays owed in the database for the reconciler).
 */
const prefix = uniquePrefix('redis-outage');
const FAULTS = ['refuse', 'hang'] as const;

let database: TestDatabase;
let redis: TcpProxy;
let queues: JobQueue;
let mock: TossMock;
let service: TestService;
let client: ScheduleCommandClient;

test.before(async () => {
  database = await createTestDatabase(10);
  redis = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
  const redisUrl = `redis://127.0.0.1:${redis.port}`;
  queues = createBullQueues({ redisUrl, prefix });
  mock = await startTossMock();
  service = await startTestService(database.db, { RECONCILE_INTERVAL_MS: '3600000' }, { queues, tossUrl: mock.url });
  await queues.ready();
  client = createScheduleCommandClient({ redisUrl, prefix });
});

test.after.always(async () => {
  redis?.restore();
  await client?.close();
  await service?.close();
  await queues?.close();
  await mock?.close();
  await redis?.close();
  await database?.drop();
  await dropRedisKeys(prefix);
});

async function timed<T>(work: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = Date.now();
  try {
    return { value: await work(), ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

test.serial('/metrics answers at once with the last queue counts while Redis refuses or stalls', async (t) => {
  t.is(await fetch(`${service.url}/metrics`).then((r) => r.text().then(() => r.status)), 200);
  for (const fault of FAULTS) {
    redis[fault]();
    for (let i = 0; i < 3; i += 1) {
      const scrape = await timed(() => fetch(`${service.url}/metrics`).then(async (r) => ({ status: r.status, text: await r.text() })));
      t.is(scrape.value?.status, 200, `${fault}: scrape ${i}`);
      t.true(scrape.ms < 1_000, `${fault}: scrape answered in ${scrape.ms} ms`);
      t.regex(scrape.value!.text, /queue_jobs\{queue="schedule-commands",state="waiting"\}/);
    }
    redis.restore();
  }
});

test.serial('the bus client rejects with QueueUnavailableError within its deadline when the job cannot be added', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const ok = await client.send({ type: 'Get', scheduleId }, { timeoutMs: 5_000 });
  t.like(ok, { id: scheduleId });
  for (const fault of FAULTS) {
    redis[fault]();
    const sent = await timed(() => client.send({ type: 'Get', scheduleId }, { timeoutMs: 800 }));
    t.true(sent.error instanceof QueueUnavailableError, `${fault}: ${String(sent.error)}`);
    t.true(sent.ms < 1_300, `${fault}: rejected after ${sent.ms} ms`);
    redis.restore();
  }
});

test.serial('a cancel whose refund must be retried answers in its normal time while Redis is away', async (t) => {
  for (const fault of FAULTS) {
    const booked = await bookPending(database.db, service);
    t.is((await pay(service, booked)).status, 200);
    mock.setSwitches({ failureRate: 1 });
    redis[fault]();
    const canceled = await timed(() => service.request('POST', `/reservations/${booked.reservationId}/cancel`, { token: booked.token, body: { reason: 'outage' } }));
    redis.restore();
    mock.setSwitches({ failureRate: 0 });
    t.is(canceled.value?.status, 200, `${fault}: ${JSON.stringify(canceled.value?.body)}`);
    t.like(canceled.value?.body, { status: 'CANCELED', refund: { status: 'PENDING' } });
    t.true(canceled.ms < 2_000, `${fault}: cancel answered in ${canceled.ms} ms`);
    const payment = await database.db('payments').where({ reservation_id: booked.reservationId }).first();
    t.is(payment.refund_status, 'REQUESTED', 'the refund stays owed in the database, where the reconciler finds it');
  }
});
