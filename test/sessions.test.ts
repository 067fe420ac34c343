import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { eventually } from './helpers/booking.js';
import { makeSchedule, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { Sessions } from '../src/services/sessions.js';

let database: TestDatabase;
let one: TestService;
let two: TestService;

test.before(async () => {
  database = await createTestDatabase(8);
  // Two instances on one database, with the service's default session timings.
  one = await startTestService(database.db);
  two = await startTestService(database.db);
});

test.after.always(async () => {
  await one?.close();
  await two?.close();
  await database?.drop();
});

const emailOf = async (id: number) => (await database.db('users').where({ id }).first()).email as string;

async function logIn(service: TestService, userId: number): Promise<string> {
  const res = await service.request('POST', '/auth/login', { body: { email: await emailOf(userId), password: TEST_PASSWORD } });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return res.body.token;
}

/** Resolves with how long `check` took to become true, polling; fails past `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  await eventually(check, ms, 100);
  return Date.now() - started;
}

test('logout ends the token for good, on this instance at once and on another within a second', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const token = await logIn(one, userId!);
  t.is((await one.request('GET', '/auth/me', { token })).status, 200);
  t.is((await two.request('GET', '/auth/me', { token })).status, 200);

  t.is((await one.request('POST', '/auth/logout', { token })).status, 204);
  const after = await one.request('GET', '/auth/me', { token });
  t.is(after.status, 401);
  t.is(after.body.code, 'UNAUTHORIZED');
  const ms = await within(3_000, async () => (await two.request('GET', '/auth/me', { token })).status === 401);
  t.true(ms < 3_000);
  // Another session of the same user is not ended by it.
  const other = await logIn(two, userId!);
  t.is((await one.request('GET', '/auth/me', { token: other })).status, 200);
});

test('an admin demoted in the database loses admin rights on every instance within 5 s', async (t) => {
  const [adminId] = await makeUsers(database.db, 1, 'ADMIN');
  const token = await logIn(one, adminId!);
  t.is((await one.request('GET', '/admin/reservations', { token })).status, 200);
  t.is((await two.request('GET', '/admin/reservations', { token })).status, 200);

  await database.db('users').where({ id: adminId }).update({ role: 'USER' });
  const demoted = async () => (await one.request('GET', '/admin/reservations', { token })).status === 403 && (await two.request('GET', '/admin/reservations', { token })).status === 403;
  await within(5_500, demoted);
  t.pass();
  // Still signed in as a user.
  t.is((await one.request('GET', '/auth/me', { token })).status, 200);
});

test('a deleted user’s token gets 401 within 5 s, never a 500, on a hold too', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const token = await logIn(one, userId!);
  const scheduleId = await makeSchedule(database.db);
  t.is((await one.request('GET', '/auth/me', { token })).status, 200);

  await database.db('login_history').where({ user_id: userId }).update({ user_id: null });
  await database.db('users').where({ id: userId }).delete();
  const statuses: number[] = [];
  await within(5_500, async () => {
    const a = await one.request('POST', `/schedules/${scheduleId}/hold`, { token });
    const b = await two.request('POST', `/schedules/${scheduleId}/hold`, { token });
    statuses.push(a.status, b.status);
    if (a.status === 200 || b.status === 200) await one.request('DELETE', `/schedules/${scheduleId}/hold`, { token });
    return a.status === 401 && b.status === 401;
  });
  t.false(
    statuses.some((s) => s >= 500),
    `answers: ${statuses.join(',')}`,
  );
  t.is((await database.db('schedules').where({ id: scheduleId }).first()).held_by, null);
});

test('a token for an account that never existed, or signed with another key, is refused', async (t) => {
  t.is((await one.request('GET', '/auth/me', { token: one.tokenFor(987_654_321) })).status, 401);
  const [userId] = await makeUsers(database.db, 1);
  const [header, payload] = one.tokenFor(userId!).split('.');
  t.is((await one.request('GET', '/auth/me', { token: `${header}.${payload}.AAAA` })).status, 401);
});

test('a plain user’s authority comes from memory; a role granted or a claim of ADMIN is the database’s word', async (t) => {
  const [userId, otherId] = await makeUsers(database.db, 2);
  const sessions = new Sessions(database.db, { syncMs: 100 });
  t.teardown(() => sessions.stop());
  t.deepEqual(await sessions.authority(userId!, 'sid-a', 'USER'), { userId, role: 'USER' });
  // Synchronous: no read waits on the hot path.
  t.false(sessions.authority(userId!, 'sid-a', 'USER') instanceof Promise);

  // A token claiming more than the database says is believed only as far as the database goes.
  t.deepEqual(await sessions.authority(otherId!, 'sid-b', 'ADMIN'), { userId: otherId, role: 'USER' });

  await database.db('users').where({ id: userId }).update({ role: 'ADMIN' });
  await eventually(async () => (await sessions.authority(userId!, 'sid-a', 'USER'))?.role === 'ADMIN', 2_000, 50);
  t.false(sessions.authority(userId!, 'sid-a', 'USER') instanceof Promise);

  // A user made after the process last read the feed is read from the database, not assumed.
  const slow = new Sessions(database.db, { syncMs: 600_000, freshMs: 600_000 });
  t.teardown(() => slow.stop());
  await slow.authority(userId!, 'sid-a', 'USER');
  const [newcomer] = await makeUsers(database.db, 1);
  const answer = slow.authority(newcomer!, 'sid-c', 'USER');
  t.true(answer instanceof Promise);
  t.deepEqual(await answer, { userId: newcomer, role: 'USER' });
});
