import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let one: TestService;
let two: TestService;
let limited: TestService;

test.before(async () => {
  database = await createTestDatabase(12);
  // Default caps: 2 live holds and 2 unpaid reservations an account.
  one = await startTestService(database.db);
  two = await startTestService(database.db);
  limited = await startTestService(database.db, { HOLDS_PER_USER_PER_MINUTE: '3' });
});

test.after.always(async () => {
  await Promise.all([one, two, limited].map((s) => s?.close()));
  await database?.drop();
});

const hold = (s: TestService, scheduleId: number, userId: number) => s.request('POST', `/schedules/${scheduleId}/hold`, { token: s.tokenFor(userId) });
const reserve = (s: TestService, scheduleId: number, userId: number) => s.request('POST', '/reservations', { token: s.tokenFor(userId), body: { scheduleId, participants: 2 } });
const schedules = (n: number) => Promise.all(Array.from({ length: n }, () => makeSchedule(database.db)));
const heldBy = async (userId: number) => Number((await database.db('schedules').where({ held_by: userId, status: 'HOLD' }).count({ n: '*' }))[0]!.n);

test('50 parallel holds by one account on 50 schedules: exactly the limit win, the rest are told the limit', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const ids = await schedules(50);
  const answers = await Promise.all(ids.map((id) => hold(one, id, userId!)));
  t.is(answers.filter((a) => a.status === 200).length, 2);
  const refused = answers.filter((a) => a.status !== 200);
  t.is(refused.length, 48);
  for (const a of refused) t.like(a.body, { code: 'HOLD_LIMIT_REACHED', limit: 'MAX_ACTIVE_HOLDS_PER_USER', max: 2 });
  t.regex(refused[0]!.body.message, /at most 2 \(MAX_ACTIVE_HOLDS_PER_USER\)/);
  t.is(await heldBy(userId!), 2);
});

test('the hold limit holds across two instances on one database', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const ids = await schedules(50);
  const answers = await Promise.all(ids.map((id, i) => hold(i % 2 ? one : two, id, userId!)));
  t.is(answers.filter((a) => a.status === 200).length, 2);
  t.true(answers.every((a) => a.status === 200 || a.body.code === 'HOLD_LIMIT_REACHED'));
  t.is(await heldBy(userId!), 2);
});

test('a released hold frees its place; an unpaid reservation counts against its own limit', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const ids = await schedules(6);
  t.is((await hold(one, ids[0]!, userId!)).status, 200);
  t.is((await hold(one, ids[1]!, userId!)).status, 200);
  t.is((await hold(one, ids[2]!, userId!)).status, 409);
  t.is((await one.request('DELETE', `/schedules/${ids[1]}/hold`, { token: one.tokenFor(userId!) })).status, 204);
  t.is((await hold(two, ids[2]!, userId!)).status, 200, 'the released place is free again, on any instance');

  // Reserving turns a hold into an unpaid reservation: it no longer counts as a hold.
  t.is((await reserve(one, ids[0]!, userId!)).status, 201);
  t.is((await reserve(two, ids[2]!, userId!)).status, 201);
  t.is((await hold(one, ids[3]!, userId!)).status, 200);
  t.is((await hold(two, ids[4]!, userId!)).status, 200);
  const third = await reserve(two, ids[3]!, userId!);
  t.is(third.status, 409);
  t.like(third.body, { code: 'HOLD_LIMIT_REACHED', limit: 'MAX_PENDING_PER_USER', max: 2 });
  t.is(Number((await database.db('reservations').where({ user_id: userId, status: 'PENDING' }).count({ n: '*' }))[0]!.n), 2);
});

test('holds granted per minute are limited (429 with Retry-After); holds that lose are not counted', async (t) => {
  const [userId, other] = await makeUsers(database.db, 2);
  const [taken, ...ids] = await schedules(5);
  t.is((await hold(limited, taken!, other!)).status, 200);
  for (let i = 0; i < 20; i += 1) t.is((await hold(limited, taken!, userId!)).status, 409);

  for (const id of ids.slice(0, 3)) {
    t.is((await hold(limited, id, userId!)).status, 200);
    t.is((await limited.request('DELETE', `/schedules/${id}/hold`, { token: limited.tokenFor(userId!) })).status, 204);
  }
  const fourth = await hold(limited, ids[3]!, userId!);
  t.is(fourth.status, 429);
  t.is(fourth.body.code, 'HOLD_RATE_LIMITED');
  const retryAfter = Number(fourth.headers.get('retry-after'));
  t.true(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  t.is((await database.db('schedules').where({ id: ids[3] }).first()).status, 'AVAILABLE');
});
