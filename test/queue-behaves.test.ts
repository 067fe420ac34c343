import { randomBytes } from 'node:crypto';
import test from 'ava';
import Bull from 'bull';
import { Redis } from 'ioredis';
import { createLogger } from '../src/logger.js';
import { createScheduleCommandClient, isRejection, JobTimeoutError } from '../src/client/index.js';
import { createBullQueues, SCHEDULE_COMMANDS, startCommandBus, type JobQueue } from '../src/queue/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { eventually } from './helpers/booking.js';
import { dropRedisKeys, REDIS_URL, uniquePrefix } from './fixtures/instance.js';

// The bus against the real Redis: deadlines, retention whoever produced the job, plain Bull
// producers, the consumer check, and an ACL user. Each test has a key prefix of its own.

const log = createLogger('silent');
let database: TestDatabase;
let service: TestService;
const prefixes: string[] = [];
const closers: (() => Promise<unknown>)[] = [];

test.before(async () => {
  database = await createTestDatabase(6);
  service = await startTestService(database.db);
});

test.after.always(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await service?.close();
  await database?.drop();
  for (const prefix of prefixes) await dropRedisKeys(prefix);
});

const newPrefix = (tag: string) => {
  const prefix = uniquePrefix(tag);
  prefixes.push(prefix);
  return prefix;
};

/** The service's side of the bus on `prefix`. */
async function consumer(prefix: string, keep?: Parameters<typeof createBullQueues>[0]['keep']): Promise<JobQueue> {
  const queues = createBullQueues({ redisUrl: REDIS_URL, prefix, log, keep });
  closers.push(() => queues.close());
  startCommandBus(queues, service.actors.schedules, { log });
  await queues.ready();
  return queues;
}

/** A plain Bull producer, as a team without our client would write one. */
function plainQueue(prefix: string, url = REDIS_URL): Bull.Queue {
  const queue = new Bull(SCHEDULE_COMMANDS, url, { prefix });
  closers.push(() => queue.close());
  return queue;
}

const statusOf = async (id: number) => (await database.db('schedules').where({ id }).first()).status as string;

test('a command nobody took before its deadline is dropped with a recorded EXPIRED reply, never applied', async (t) => {
  const prefix = newPrefix('expired');
  const client = createScheduleCommandClient({ redisUrl: REDIS_URL, prefix });
  closers.push(() => client.close());
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  t.is(await client.consumers(), 0, 'no service consumes this prefix yet');
  await t.throwsAsync(client.send({ type: 'Hold', scheduleId, userId }, { timeoutMs: 300 }), { instanceOf: JobTimeoutError });
  const plain = plainQueue(prefix);
  const [waiting] = await plain.getWaiting();
  t.truthy(waiting, 'the command is still in Redis');
  t.true(typeof waiting!.data.deadline === 'number' && waiting!.data.deadline <= Date.now(), 'it carries its deadline');

  // A service starts later and takes it.
  await consumer(prefix);
  // Bull names its worker connection (what consumers() counts) just after the handler is set.
  await eventually(async () => ((await client.consumers()) ?? 0) >= 1, 5_000);
  const reply = await waiting!.finished();
  t.like(reply, { code: 'EXPIRED', httpStatus: 504 });
  t.is(await statusOf(scheduleId), 'AVAILABLE', 'the late Hold was not applied');
  const job = await plain.getJob(waiting!.id);
  t.is(await job!.getState(), 'completed', 'the outcome is recorded in Redis');
});

test('a command within its deadline is applied, and the reply carries the hold', async (t) => {
  const prefix = newPrefix('intime');
  await consumer(prefix);
  const client = createScheduleCommandClient({ redisUrl: REDIS_URL, prefix });
  closers.push(() => client.close());
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const reply = await client.send({ type: 'Hold', scheduleId, userId }, { timeoutMs: 5_000 });
  if (isRejection(reply)) return t.fail(JSON.stringify(reply));
  t.is(reply.status, 'HOLD');
  t.is(await statusOf(scheduleId), 'HOLD');
});

test('a plain Bull producer: removeOnComplete: true still gets its reply through job.finished(); no deadline means 10 s from when it was added', async (t) => {
  const prefix = newPrefix('plain');
  await consumer(prefix);
  const plain = plainQueue(prefix);
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const job = await plain.add({ type: 'Hold', scheduleId, userId }, { removeOnComplete: true, removeOnFail: true });
  const reply = (await job.finished()) as { status?: string; scheduleId?: number };
  t.like(reply, { status: 'HOLD', scheduleId });
  t.is(await statusOf(scheduleId), 'HOLD');

  // Added (by its timestamp) 11 s ago with no deadline: past the default, dropped.
  const late = await makeSchedule(database.db);
  // Bull takes `timestamp` (its types omit it), as a producer with a late clock or a long queue would leave it.
  const stale = await plain.add({ type: 'Hold', scheduleId: late, userId }, { timestamp: Date.now() - 11_000 } as Bull.JobOptions);
  t.like(await stale.finished(), { code: 'EXPIRED' });
  t.is(await statusOf(late), 'AVAILABLE');

  // A deadline that is not a number is a malformed command: failed at once, no retry.
  const bad = await plain.add({ type: 'Get', scheduleId, deadline: 'soon' }, { attempts: 3 });
  await t.throwsAsync(bad.finished(), { message: /deadline/ });
  t.is((await plain.getJob(bad.id))!.attemptsMade, 1);
});

test('finished jobs are trimmed by count and by age whoever produced them', async (t) => {
  const prefix = newPrefix('trim');
  await consumer(prefix, { completed: { count: 3, age: 3600 }, failed: { count: 2, age: 3600 } });
  const plain = plainQueue(prefix);
  const scheduleId = await makeSchedule(database.db);
  // No removeOnComplete: before, these stayed in Redis forever.
  for (let i = 0; i < 6; i += 1) await (await plain.add({ type: 'Get', scheduleId })).finished();
  t.is(await plain.getCompletedCount(), 3);
  for (let i = 0; i < 4; i += 1) await t.throwsAsync((await plain.add({ type: 'Nope', scheduleId })).finished());
  t.is(await plain.getFailedCount(), 2);

  const aging = newPrefix('trim-age');
  await consumer(aging, { completed: { count: 100, age: 1 } });
  const young = plainQueue(aging);
  const first = await young.add({ type: 'Get', scheduleId });
  await first.finished();
  // Bull trims by age when a later job finishes: wait until the first is older than a second, then finish one more.
  await eventually(async () => Date.now() - (await young.getJob(first.id))!.finishedOn! > 1_100, 3_000);
  await (await young.add({ type: 'Get', scheduleId })).finished();
  t.is(await young.getJob(first.id), null, 'the job older than the age limit is gone');
  t.is(await young.getCompletedCount(), 1);
});

test('an ACL user limited to the bus prefix can send commands over a redis://user:password@ URL', async (t) => {
  const prefix = newPrefix('acl');
  await consumer(prefix);
  const admin = new Redis(REDIS_URL);
  const user = `roomescape-test-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  closers.push(async () => {
    await admin.acl('DELUSER', user);
    admin.disconnect();
  });
  await admin.acl('SETUSER', user, 'on', `>${password}`, `~${prefix}:*`, `&${prefix}:*`, '+@all', '-@dangerous', '+client|setname', '+client|list', '+info');
  const url = new URL(REDIS_URL);
  url.username = user;
  url.password = password;
  const client = createScheduleCommandClient({ redisUrl: url.toString(), prefix });
  closers.push(() => client.close());
  const scheduleId = await makeSchedule(database.db);
  const reply = await client.send({ type: 'Get', scheduleId }, { timeoutMs: 5_000 });
  t.like(reply, { id: scheduleId, status: 'AVAILABLE' });

  // The same user cannot touch keys outside the prefix: Redis access is authority, scoped here.
  const scoped = new Redis(url.toString());
  closers.push(async () => scoped.disconnect());
  await t.throwsAsync(scoped.get('bull:schedule-commands:id'), { message: /NOPERM/ });
});
