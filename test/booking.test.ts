import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { addDays, kstDate } from '../src/time/kst.js';

let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase(10);
  service = await startTestService(database.db, { HOLD_TTL_MS: '300000', PENDING_TTL_MS: '600000' });
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const as = (userId: number) => service.tokenFor(userId);
const row = (id: number) => database.db('schedules').where('id', id).first();

test('POST /schedules/:id/hold: holds an available schedule for five minutes', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  const before = Date.now();
  const res = await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  t.is(res.status, 200);
  t.is(res.body.scheduleId, id);
  t.is(res.body.status, 'HOLD');
  const expires = Date.parse(res.body.holdExpiresAt);
  t.true(expires >= before + 300_000 && expires <= Date.now() + 300_000);
  const stored = await row(id);
  t.is(stored.status, 'HOLD');
  t.is(stored.held_by, user);
});

test('POST /schedules/:id/hold: the same user holding again gets the same hold back', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  const first = await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const second = await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  t.deepEqual(second.body, first.body);
  t.is((await row(id)).version, 1);
});

test('POST /schedules/:id/hold: when already held by someone else, answers 409 SCHEDULE_NOT_AVAILABLE', async (t) => {
  const id = await makeSchedule(database.db);
  const [a, b] = await makeUsers(database.db, 2);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(a!) });
  const res = await service.request('POST', `/schedules/${id}/hold`, { token: as(b!) });
  t.is(res.status, 409);
  t.deepEqual(Object.keys(res.body).sort(), ['code', 'message']);
  t.is(res.body.code, 'SCHEDULE_NOT_AVAILABLE');
});

test('POST /schedules/:id/hold: a schedule that does not exist answers 404 SCHEDULE_NOT_FOUND', async (t) => {
  const [user] = await makeUsers(database.db, 1);
  const res = await service.request('POST', '/schedules/987654321/hold', { token: as(user!) });
  t.is(res.status, 404);
  t.is(res.body.code, 'SCHEDULE_NOT_FOUND');
});

test('POST /schedules/:id/hold: a schedule that already started answers 400 SCHEDULE_IN_PAST and writes nothing', async (t) => {
  const id = await makeSchedule(database.db, { date: addDays(kstDate(new Date()), -1), startTime: '12:00' });
  const [user] = await makeUsers(database.db, 1);
  const res = await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  t.is(res.status, 400);
  t.is(res.body.code, 'SCHEDULE_IN_PAST');
  t.is((await row(id)).status, 'AVAILABLE');
});

test('POST /schedules/:id/hold: without a token answers 401 UNAUTHORIZED', async (t) => {
  const id = await makeSchedule(database.db);
  const res = await service.request('POST', `/schedules/${id}/hold`);
  t.is(res.status, 401);
  t.is(res.body.code, 'UNAUTHORIZED');
  t.is((await row(id)).status, 'AVAILABLE');
});

test('DELETE /schedules/:id/hold: the holder releases it and someone else can hold it', async (t) => {
  const id = await makeSchedule(database.db);
  const [a, b] = await makeUsers(database.db, 2);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(a!) });
  t.is((await service.request('DELETE', `/schedules/${id}/hold`, { token: as(a!) })).status, 204);
  t.is((await row(id)).status, 'AVAILABLE');
  t.is((await service.request('POST', `/schedules/${id}/hold`, { token: as(b!) })).status, 200);
});

test('DELETE /schedules/:id/hold: someone who does not hold it gets 409 NOT_HOLDER and the hold stays', async (t) => {
  const id = await makeSchedule(database.db);
  const [a, b] = await makeUsers(database.db, 2);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(a!) });
  const res = await service.request('DELETE', `/schedules/${id}/hold`, { token: as(b!) });
  t.is(res.status, 409);
  t.is(res.body.code, 'NOT_HOLDER');
  t.is((await row(id)).held_by, a);
});

test("POST /reservations: on the caller's live hold creates a PENDING reservation with an order id and the theme's price", async (t) => {
  const themeId = await makeTheme(database.db, { price: 31000 });
  const id = await makeSchedule(database.db, { themeId });
  const [user] = await makeUsers(database.db, 1);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const before = Date.now();
  const res = await service.request('POST', '/reservations', { token: as(user!), body: { scheduleId: id, participants: 3 } });
  t.is(res.status, 201);
  t.is(res.body.status, 'PENDING');
  t.is(res.body.scheduleId, id);
  t.is(res.body.amount, 31000);
  t.regex(res.body.orderId, /^[A-Za-z0-9_-]{6,64}$/);
  t.true(Date.parse(res.body.expiresAt) >= before + 600_000);
  const stored = await database.db('reservations').where('id', res.body.id).first();
  t.is(stored.user_id, user);
  t.is(stored.order_id, res.body.orderId);
});

test('POST /reservations: posting again returns the same pending reservation', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const first = await service.request('POST', '/reservations', { token: as(user!), body: { scheduleId: id, participants: 2 } });
  const again = await service.request('POST', '/reservations', { token: as(user!), body: { scheduleId: id, participants: 2 } });
  t.is(again.status, 200);
  t.is(again.body.id, first.body.id);
  t.is(
    await database
      .db('reservations')
      .where('schedule_id', id)
      .count('* as n')
      .first()
      .then((r) => Number(r!.n)),
    1,
  );
});

test('POST /reservations: without a hold answers 409 HOLD_REQUIRED and writes nothing', async (t) => {
  const id = await makeSchedule(database.db);
  const [a, b] = await makeUsers(database.db, 2);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(a!) });
  const res = await service.request('POST', '/reservations', { token: as(b!), body: { scheduleId: id, participants: 2 } });
  t.is(res.status, 409);
  t.is(res.body.code, 'HOLD_REQUIRED');
  t.is((await database.db('reservations').where('schedule_id', id)).length, 0);
});

test('POST /reservations: on a lapsed hold answers 409 HOLD_EXPIRED', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  const short = await startTestService(database.db, { HOLD_TTL_MS: '1' });
  t.teardown(() => short.close());
  await short.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const res = await short.request('POST', '/reservations', { token: as(user!), body: { scheduleId: id, participants: 2 } });
  t.is(res.status, 409);
  t.is(res.body.code, 'HOLD_EXPIRED');
});

test("POST /reservations: participants outside the theme's range answers 400 and writes nothing", async (t) => {
  const themeId = await makeTheme(database.db, { minPlayers: 2, maxPlayers: 4 });
  const id = await makeSchedule(database.db, { themeId });
  const [user] = await makeUsers(database.db, 1);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const res = await service.request('POST', '/reservations', { token: as(user!), body: { scheduleId: id, participants: 5 } });
  t.is(res.status, 400);
  t.is(res.body.code, 'INVALID_PARTICIPANTS');
  t.is((await database.db('reservations').where('schedule_id', id)).length, 0);
});

test('DELETE /schedules/:id/hold: releasing a hold with a pending reservation cancels the reservation', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const created = await service.request('POST', '/reservations', { token: as(user!), body: { scheduleId: id, participants: 2 } });
  t.is((await service.request('DELETE', `/schedules/${id}/hold`, { token: as(user!) })).status, 204);
  t.is((await database.db('reservations').where('id', created.body.id).first()).status, 'CANCELED');
  t.is((await row(id)).status, 'AVAILABLE');
});

test("GET /reservations/:id: someone else's reservation answers 404, the owner sees it", async (t) => {
  const id = await makeSchedule(database.db);
  const [owner, stranger] = await makeUsers(database.db, 2);
  await service.request('POST', `/schedules/${id}/hold`, { token: as(owner!) });
  const created = await service.request('POST', '/reservations', { token: as(owner!), body: { scheduleId: id, participants: 2 } });
  t.is((await service.request('GET', `/reservations/${created.body.id}`, { token: as(stranger!) })).status, 404);
  const mine = await service.request('GET', `/reservations/${created.body.id}`, { token: as(owner!) });
  t.is(mine.status, 200);
  t.is(mine.body.schedule.id, id);
  const list = await service.request('GET', '/reservations/mine', { token: as(owner!) });
  t.deepEqual(
    list.body.map((r: { id: number }) => r.id),
    [created.body.id],
  );
});

test('a schedule actor started afresh reads its state back from the database', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  const held = await service.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const fresh = await startTestService(database.db);
  t.teardown(() => fresh.close());
  const seen = await fresh.request('GET', `/schedules/${id}`);
  t.is(seen.body.status, 'HOLD');
  t.is(seen.body.holdExpiresAt, held.body.holdExpiresAt);
  t.deepEqual((await fresh.request('POST', `/schedules/${id}/hold`, { token: as(user!) })).body, held.body);
});

test('an idle schedule actor is passivated and the next message brings it back', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  const quick = await startTestService(database.db, { ACTOR_IDLE_MS: '100' });
  t.teardown(() => quick.close());
  await quick.request('POST', `/schedules/${id}/hold`, { token: as(user!) });
  const spawned = quick.actors.schedules.stats().spawned;
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (quick.actors.schedules.stats().passivated > 0) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
  });
  t.is(quick.actors.schedules.stats().live, 0);
  t.is((await quick.request('GET', `/schedules/${id}`)).body.status, 'HOLD');
  t.is(quick.actors.schedules.stats().spawned, spawned + 1);
});
