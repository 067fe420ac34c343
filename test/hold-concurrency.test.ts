import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let one: TestService;
let two: TestService;

test.before(async () => {
  database = await createTestDatabase(20);
  one = await startTestService(database.db);
  two = await startTestService(database.db);
});

test.after.always(async () => {
  await one?.close();
  await two?.close();
  await database?.drop();
});

const hold = (service: TestService, scheduleId: number, userId: number) => service.request('POST', `/schedules/${scheduleId}/hold`, { token: service.tokenFor(userId) });

async function activeRows(scheduleId: number) {
  const schedule = await database.db('schedules').where('id', scheduleId).first();
  const reservations = await database.db('reservations').where('schedule_id', scheduleId).whereIn('status', ['PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED']);
  return { schedule, reservations };
}

test('500 concurrent holds from 500 users on one schedule: exactly one 200, 499 SCHEDULE_NOT_AVAILABLE, and the database shows that holder', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const users = await makeUsers(database.db, 500);
  const responses = await Promise.all(users.map((u) => hold(one, scheduleId, u)));
  const winners = responses.flatMap((r, i) => (r.status === 200 ? [users[i]] : []));
  t.is(winners.length, 1);
  t.is(responses.filter((r) => r.status === 409 && r.body.code === 'SCHEDULE_NOT_AVAILABLE').length, 499);
  const { schedule } = await activeRows(scheduleId);
  t.is(schedule.status, 'HOLD');
  t.is(schedule.held_by, winners[0]);
  t.is(schedule.version, 1);
});

test('500 concurrent holds split between two instances on one database: exactly one winner', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const users = await makeUsers(database.db, 500);
  const responses = await Promise.all(users.map((u, i) => hold(i % 2 ? two : one, scheduleId, u)));
  const winners = responses.flatMap((r, i) => (r.status === 200 ? [users[i]] : []));
  t.is(winners.length, 1);
  t.is(responses.filter((r) => r.status === 409).length, 499);
  const { schedule } = await activeRows(scheduleId);
  t.is(schedule.held_by, winners[0]);
});

test('an instance whose memory is out of date re-reads after its write misses, and answers from the database', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [first, second] = await makeUsers(database.db, 2);
  t.is((await one.request('GET', `/schedules/${scheduleId}`)).body.status, 'AVAILABLE');
  t.is((await hold(two, scheduleId, second!)).status, 200);
  const late = await hold(one, scheduleId, first!);
  t.is(late.status, 409);
  t.is(late.body.code, 'SCHEDULE_NOT_AVAILABLE');
  t.is((await activeRows(scheduleId)).schedule.held_by, second);
});

test('hold, release and reserve racing on many schedules across two instances never leave a reservation without its hold', async (t) => {
  const rounds = 30;
  // One owner a round: an account may hold only MAX_ACTIVE_HOLDS_PER_USER slots at once.
  const owners = await makeUsers(database.db, rounds);
  const others = await makeUsers(database.db, 11);
  const outcomes = await Promise.all(
    Array.from({ length: rounds }, async (_, round) => {
      const owner = owners[round]!;
      const scheduleId = await makeSchedule(database.db);
      const [a, b] = round % 2 ? [one, two] : [two, one];
      t.is((await hold(a, scheduleId, owner)).status, 200);
      const racers = await Promise.all([
        a.request('POST', '/reservations', { token: a.tokenFor(owner), body: { scheduleId, participants: 2 } }),
        b.request('DELETE', `/schedules/${scheduleId}/hold`, { token: b.tokenFor(owner) }),
        ...others.map((u, i) => hold(i % 2 ? a : b, scheduleId, u)),
      ]);
      return { owner, scheduleId, reserve: racers[0]!, release: racers[1]!, holds: racers.slice(2) };
    }),
  );
  for (const { owner, scheduleId, reserve, release, holds } of outcomes) {
    t.true([200, 201, 409].includes(reserve.status), `reserve answered ${reserve.status}`);
    t.true([204, 409].includes(release.status), `release answered ${release.status}`);
    const winners = holds.filter((h) => h.status === 200).length;
    t.true(winners <= 1);
    const { schedule, reservations } = await activeRows(scheduleId);
    t.true(reservations.length <= 1);
    if (reservations.length === 1) {
      t.is(schedule.status, 'HOLD');
      t.is(schedule.held_by, reservations[0].user_id);
      t.is(winners, 0);
    }
    if (winners === 1) t.not(schedule.held_by, owner);
    if (schedule.status === 'HOLD') t.truthy(schedule.held_by);
  }
});
