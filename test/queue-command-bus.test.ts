import test, { type ExecutionContext } from 'ava';
import { createLogger } from '../src/logger.js';
import { createScheduleCommandClient, isRejection, type ScheduleCommandClient } from '../src/queue/client.js';
import { createBullQueues, createInProcessQueues, JobFailedError, SCHEDULE_COMMANDS, startCommandBus, type JobQueue } from '../src/queue/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { dropRedisKeys, REDIS_URL, uniquePrefix } from './fixtures/instance.js';

const log = createLogger('silent');
const prefix = uniquePrefix('bus');

let database: TestDatabase;
let service: TestService;
let bull: JobQueue;
let inProcess: JobQueue;
let clients: Record<'bull' | 'in-process', ScheduleCommandClient>;

test.before(async () => {
  database = await createTestDatabase(10);
  service = await startTestService(database.db);
  bull = createBullQueues({ redisUrl: REDIS_URL, prefix, log });
  inProcess = createInProcessQueues(log);
  startCommandBus(bull, service.actors.schedules, { log });
  startCommandBus(inProcess, service.actors.schedules, { log });
  await bull.ready();
  clients = {
    // As another service would: its own connections, knowing only the URL and the prefix.
    bull: createScheduleCommandClient({ redisUrl: REDIS_URL, prefix }),
    'in-process': createScheduleCommandClient({ queues: inProcess }),
  };
});

test.after.always(async () => {
  await clients?.bull.close();
  await clients?.['in-process'].close();
  await bull?.close();
  await inProcess?.close();
  await service?.close();
  await database?.drop();
  await dropRedisKeys(prefix);
});

const httpHold = (scheduleId: number, userId: number) => service.request('POST', `/schedules/${scheduleId}/hold`, { token: service.tokenFor(userId) });

const shapeOf = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v]));

for (const kind of ['bull', 'in-process'] as const) {
  test(`${kind} bus: a Hold job returns the same reply as HTTP POST /schedules/:id/hold`, async (t) => {
    const [viaBus, viaHttp] = await Promise.all([makeSchedule(database.db), makeSchedule(database.db)]);
    const [u1, u2] = (await makeUsers(database.db, 2)) as [number, number];
    const reply = await clients[kind].send({ type: 'Hold', scheduleId: viaBus, userId: u1 }, { timeoutMs: 5000 });
    const http = await httpHold(viaHttp, u2);
    t.is(http.status, 200);
    if (isRejection(reply)) return t.fail(JSON.stringify(reply));
    t.is(reply.scheduleId, viaBus);
    t.is(reply.status, 'HOLD');
    t.deepEqual(shapeOf(reply), shapeOf(http.body));
    t.false(Number.isNaN(Date.parse(reply.holdExpiresAt)));
    // The same user holding again over HTTP gets this very hold back.
    const again = await httpHold(viaBus, u1);
    t.deepEqual(reply, again.body);
  });

  test(`${kind} bus: a Hold on a slot someone else holds returns {code: SCHEDULE_NOT_AVAILABLE, message, httpStatus: 409}, as HTTP answers`, async (t) => {
    const scheduleId = await makeSchedule(database.db);
    const [holder, late, later] = (await makeUsers(database.db, 3)) as [number, number, number];
    t.is((await httpHold(scheduleId, holder)).status, 200);
    const reply = await clients[kind].send({ type: 'Hold', scheduleId, userId: late });
    const http = await httpHold(scheduleId, later);
    t.deepEqual(reply, { ...http.body, httpStatus: http.status });
    t.like(reply, { code: 'SCHEDULE_NOT_AVAILABLE', httpStatus: 409 });
    t.is((await database.db('schedules').where('id', scheduleId).first()).held_by, holder);
  });

  test(`${kind} bus: Get returns the body of GET /schedules/:id, and an unknown schedule SCHEDULE_NOT_FOUND with 404`, async (t) => {
    const scheduleId = await makeSchedule(database.db);
    const reply = await clients[kind].send({ type: 'Get', scheduleId });
    t.deepEqual(reply, (await service.request('GET', `/schedules/${scheduleId}`)).body);
    t.like(await clients[kind].send({ type: 'Get', scheduleId: 987_654_321 }), { code: 'SCHEDULE_NOT_FOUND', httpStatus: 404 });
  });

  test(`${kind} bus: Hold, CreateReservation and Release reply as their HTTP routes`, async (t) => {
    const [viaBus, viaHttp] = await Promise.all([makeSchedule(database.db), makeSchedule(database.db)]);
    const [u1, u2] = (await makeUsers(database.db, 2)) as [number, number];
    const bus = clients[kind];
    await bus.send({ type: 'Hold', scheduleId: viaBus, userId: u1 });
    const reservation = await bus.send({ type: 'CreateReservation', scheduleId: viaBus, userId: u1, participants: 2 });
    await httpHold(viaHttp, u2);
    const http = await service.request('POST', '/reservations', { token: service.tokenFor(u2), body: { scheduleId: viaHttp, participants: 2 } });
    t.is(http.status, 201);
    if (isRejection(reservation)) return t.fail(JSON.stringify(reservation));
    t.deepEqual(shapeOf(reservation), shapeOf(http.body));
    t.is(reservation.status, 'PENDING');
    t.deepEqual(await bus.send({ type: 'Release', scheduleId: viaBus, userId: u1 }), {});
    t.like(await bus.send({ type: 'Release', scheduleId: viaBus, userId: u1 }), { code: 'NOT_HOLDER', httpStatus: 409 });
  });
}

async function expectMalformed(t: ExecutionContext, queues: JobQueue, data: unknown, mentions: RegExp) {
  const job = await queues.add(SCHEDULE_COMMANDS, data, { attempts: 3 });
  const err = await t.throwsAsync(job.result(5000), { instanceOf: JobFailedError });
  t.regex(err?.message ?? '', /^invalid schedule command: /);
  t.regex(err?.message ?? '', mentions);
}

test('bull bus: a malformed job fails with the reason, and the bus carries on', async (t) => {
  await expectMalformed(t, bull, { type: 'Hold', scheduleId: 'seven', userId: 1 }, /scheduleId: must be a number/);
  await expectMalformed(t, bull, { type: 'Explode', scheduleId: 1 }, /type: Invalid discriminator value/);
  await expectMalformed(t, bull, 'Hold 1 7', /job: Expected object, received string/);
  const scheduleId = await makeSchedule(database.db);
  t.like(await clients.bull.send({ type: 'Get', scheduleId }), { id: scheduleId, status: 'AVAILABLE' });
});

test('in-process bus: a malformed job fails with the reason', async (t) => {
  await expectMalformed(t, inProcess, { type: 'Hold', scheduleId: 3 }, /userId: Required/);
});
