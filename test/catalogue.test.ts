import test from 'ava';
import type { Db } from '../src/db/knex.js';
import { addDays, kstDate, kstInstant } from '../src/time/kst.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeStore, makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase();
  service = await startTestService(database.db);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const DAY_MS = 86_400_000;
/** The Seoul wall-clock time (HH:MM) of an instant. */
const kstTime = (at: Date) => new Date(at.getTime() + 9 * 3600_000).toISOString().slice(11, 16);
const storeIdOf = async (themeId: number) => (await database.db('themes').where({ id: themeId }).first('store_id')).store_id as number;

test('GET /stores: lists every store with id, name, address and phone', async (t) => {
  const storeId = await makeStore(database.db);
  const res = await service.request('GET', '/stores');

  t.is(res.status, 200);
  t.true(Array.isArray(res.body));
  const row = await database.db('stores').where({ id: storeId }).first();
  t.deepEqual(
    res.body.find((s: { id: number }) => s.id === storeId),
    { id: storeId, name: row.name, address: row.address, phone: null },
  );
});

test('GET /themes: lists every theme in the documented shape', async (t) => {
  const themeId = await makeTheme(database.db, { price: 31000, minPlayers: 3, maxPlayers: 5 });
  const res = await service.request('GET', '/themes');

  t.is(res.status, 200);
  const theme = res.body.find((x: { id: number }) => x.id === themeId);
  t.deepEqual(Object.keys(theme).sort(), ['description', 'difficulty', 'durationMinutes', 'id', 'maxPlayers', 'minPlayers', 'name', 'price', 'storeId']);
  t.like(theme, { id: themeId, storeId: await storeIdOf(themeId), price: 31000, minPlayers: 3, maxPlayers: 5, durationMinutes: 60, difficulty: 3 });
});

test('GET /themes?storeId=: lists only that store’s themes', async (t) => {
  const themeId = await makeTheme(database.db);
  const otherThemeId = await makeTheme(database.db);
  const storeId = await storeIdOf(themeId);
  const [second] = await database.db('themes').insert({ store_id: storeId, name: 'Second room', price: 20000, duration_minutes: 50, min_players: 2, max_players: 4, difficulty: 2 }).returning('id');
  const res = await service.request('GET', `/themes?storeId=${storeId}`);

  t.is(res.status, 200);
  t.deepEqual(
    res.body.map((x: { id: number }) => x.id),
    [themeId, second.id],
  );
  t.false(res.body.some((x: { id: number }) => x.id === otherThemeId));
});

test('GET /themes?storeId=: for a store without themes answers an empty list', async (t) => {
  const storeId = await makeStore(database.db);
  const res = await service.request('GET', `/themes?storeId=${storeId}`);

  t.is(res.status, 200);
  t.deepEqual(res.body, []);
});

test('GET /themes/:id: answers the theme', async (t) => {
  const themeId = await makeTheme(database.db, { price: 27000 });
  const res = await service.request('GET', `/themes/${themeId}`);

  t.is(res.status, 200);
  const row = await database.db('themes').where({ id: themeId }).first();
  t.deepEqual(res.body, {
    id: themeId,
    storeId: row.store_id,
    name: row.name,
    description: '',
    price: 27000,
    durationMinutes: 60,
    minPlayers: 2,
    maxPlayers: 6,
    difficulty: 3,
  });
});

test('GET /themes/:id: for a missing theme answers 404 THEME_NOT_FOUND', async (t) => {
  const res = await service.request('GET', '/themes/987654321');

  t.is(res.status, 404);
  t.deepEqual(Object.keys(res.body).sort(), ['code', 'message']);
  t.is(res.body.code, 'THEME_NOT_FOUND');
});

/** Themes with reservations of known statuses and ages; made once, shared by the popularity tests. */
let ranking: Promise<{ recent: number; mixed: number; dead: number; old: number }> | undefined;
async function rankingData(db: Db) {
  const [userId] = await makeUsers(db, 1);
  const [recent, mixed, dead, old] = [await makeTheme(db), await makeTheme(db), await makeTheme(db), await makeTheme(db)];
  let order = 0;
  const reserve = async (themeId: number, status: string, ageDays: number) => {
    const scheduleId = await makeSchedule(db, { themeId });
    const createdAt = new Date(Date.now() - ageDays * DAY_MS);
    await db('reservations').insert({
      schedule_id: scheduleId,
      user_id: userId,
      status,
      order_id: `pop-${themeId}-${(order += 1)}`,
      amount: 25000,
      participants: 2,
      expires_at: createdAt,
      created_at: createdAt,
    });
  };
  for (let i = 0; i < 3; i += 1) await reserve(recent, i === 0 ? 'CONFIRMED' : 'PENDING', 1);
  await reserve(mixed, 'PAYMENT_IN_PROGRESS', 2);
  for (const status of ['EXPIRED', 'CANCELED', 'EXPIRED']) await reserve(mixed, status, 1);
  for (const status of ['EXPIRED', 'CANCELED', 'CANCELED', 'EXPIRED']) await reserve(dead, status, 1);
  for (let i = 0; i < 5; i += 1) await reserve(old, 'CONFIRMED', 10);
  return { recent, mixed, dead, old };
}

test('GET /themes/popular: ranks themes by live reservations in the last N days, ignoring expired and canceled ones', async (t) => {
  const { recent, mixed, dead, old } = await (ranking ??= rankingData(database.db));
  const res = await service.request('GET', '/themes/popular?days=7&limit=100');

  t.is(res.status, 200);
  const mine = res.body.filter((x: { id: number }) => [recent, mixed, dead, old].includes(x.id));
  t.deepEqual(
    mine.map((x: { id: number; reservations: number }) => [x.id, x.reservations]),
    [
      [recent, 3],
      [mixed, 1],
    ],
  );
  t.like(mine[0], { id: recent, price: 25000, minPlayers: 2 });
});

test('GET /themes/popular: a longer window counts older reservations', async (t) => {
  const { recent, mixed, dead, old } = await (ranking ??= rankingData(database.db));
  const res = await service.request('GET', '/themes/popular?days=30&limit=100');

  t.is(res.status, 200);
  const mine = res.body.filter((x: { id: number }) => [recent, mixed, dead, old].includes(x.id));
  t.deepEqual(
    mine.map((x: { id: number; reservations: number }) => [x.id, x.reservations]),
    [
      [old, 5],
      [recent, 3],
      [mixed, 1],
    ],
  );
});

test('GET /themes/popular: limit caps the list to the top themes', async (t) => {
  const { old } = await (ranking ??= rankingData(database.db));
  const res = await service.request('GET', '/themes/popular?days=30&limit=1');

  t.is(res.status, 200);
  t.is(res.body.length, 1);
  t.is(res.body[0].id, old);
});

for (const query of ['days=0', 'days=abc', 'limit=0', 'limit=101', 'days=366', 'top=3']) {
  test(`GET /themes/popular?${query}: answers 400 INVALID_REQUEST`, async (t) => {
    const res = await service.request('GET', `/themes/popular?${query}`);

    t.is(res.status, 400);
    t.is(res.body.code, 'INVALID_REQUEST');
  });
}

test('GET /themes/:id/schedules?date=: lists only that Seoul date, in start order', async (t) => {
  const themeId = await makeTheme(database.db);
  const date = addDays(kstDate(new Date()), 3);
  const late = await makeSchedule(database.db, { themeId, date, startTime: '21:00' });
  const early = await makeSchedule(database.db, { themeId, date, startTime: '09:30' });
  const midnight = await makeSchedule(database.db, { themeId, date, startTime: '00:00' });
  await makeSchedule(database.db, { themeId, date: addDays(date, 1), startTime: '10:00' });
  await makeSchedule(database.db, { themeId, date: addDays(date, -1), startTime: '23:59' });
  const res = await service.request('GET', `/themes/${themeId}/schedules?date=${date}`);

  t.is(res.status, 200);
  t.deepEqual(res.body, [
    { id: midnight, themeId, date, startTime: '00:00', status: 'AVAILABLE' },
    { id: early, themeId, date, startTime: '09:30', status: 'AVAILABLE' },
    { id: late, themeId, date, startTime: '21:00', status: 'AVAILABLE' },
  ]);
});

test('GET /themes/:id/schedules?date=: for today lists only the schedules that have not started', async (t) => {
  const themeId = await makeTheme(database.db);
  const now = new Date();
  const hourAgo = new Date(now.getTime() - 3600_000);
  const inAnHour = new Date(now.getTime() + 3600_000);
  const today = kstDate(now);
  const started = kstDate(hourAgo) === today ? await makeSchedule(database.db, { themeId, date: today, startTime: kstTime(hourAgo) }) : undefined;
  const upcoming = await makeSchedule(database.db, { themeId, date: kstDate(inAnHour), startTime: kstTime(inAnHour) });
  const listed = async (date: string) => {
    const res = await service.request('GET', `/themes/${themeId}/schedules?date=${date}`);
    t.is(res.status, 200);
    return res.body.map((s: { id: number }) => s.id) as number[];
  };

  t.deepEqual(await listed(kstDate(inAnHour)), [upcoming]);
  // Near midnight in Seoul an hour ago was yesterday; then only the upcoming one can be checked.
  if (started !== undefined) t.false((await listed(today)).includes(started));
  const stored = await database.db('schedules').where({ id: upcoming }).first('starts_at');
  t.true(stored.starts_at.getTime() > now.getTime());
});

test('GET /themes/:id/schedules?date=: for a missing theme answers 404 THEME_NOT_FOUND', async (t) => {
  const res = await service.request('GET', `/themes/987654321/schedules?date=${addDays(kstDate(new Date()), 1)}`);

  t.is(res.status, 404);
  t.is(res.body.code, 'THEME_NOT_FOUND');
});

for (const [label, query] of [
  ['no date', ''],
  ['an empty date', '?date='],
  ['a date that is not YYYY-MM-DD', '?date=2026/01/02'],
  ['an impossible date', '?date=2026-02-30'],
  ['a date with a time', '?date=2026-01-02T00:00'],
] as const) {
  test(`GET /themes/:id/schedules: with ${label} answers 400 INVALID_REQUEST naming date`, async (t) => {
    const themeId = await makeTheme(database.db);
    const res = await service.request('GET', `/themes/${themeId}/schedules${query}`);

    t.is(res.status, 400);
    t.is(res.body.code, 'INVALID_REQUEST');
    t.regex(res.body.message, /date/);
  });
}

test('GET /schedules/:id: answers {id, themeId, date, startTime, status}', async (t) => {
  const themeId = await makeTheme(database.db);
  const date = addDays(kstDate(new Date()), 2);
  const id = await makeSchedule(database.db, { themeId, date, startTime: '18:45' });
  const res = await service.request('GET', `/schedules/${id}`);

  t.is(res.status, 200);
  t.deepEqual(res.body, { id, themeId, date, startTime: '18:45', status: 'AVAILABLE' });
  const row = await database.db('schedules').where({ id }).first();
  t.is(row.starts_at.getTime(), kstInstant(date, '18:45').getTime());
});

test('GET /schedules/:id: for a missing schedule answers 404 SCHEDULE_NOT_FOUND', async (t) => {
  const res = await service.request('GET', '/schedules/987654321');

  t.is(res.status, 404);
  t.deepEqual(Object.keys(res.body).sort(), ['code', 'message']);
  t.is(res.body.code, 'SCHEDULE_NOT_FOUND');
});

test('remembered checks: a query string or path id that passed once does not make a bad one pass, and a bad one still fails the second time', async (t) => {
  const themeId = await makeTheme(database.db);
  const date = addDays(kstDate(new Date()), 2);
  for (let round = 0; round < 2; round += 1) {
    t.is((await service.request('GET', `/themes/${themeId}/schedules?date=${date}`)).status, 200);
    t.is((await service.request('GET', `/themes/${themeId}/schedules?date=${date}&x=1`)).status, 400);
    t.is((await service.request('GET', `/themes/${themeId}/schedules?date=2026-02-30`)).status, 400);
    t.is((await service.request('GET', `/themes/${themeId}`)).status, 200);
    t.is((await service.request('GET', `/themes/0${themeId}`)).status, 400);
    t.is((await service.request('GET', `/themes/${themeId}.5`)).status, 400);
  }
});
