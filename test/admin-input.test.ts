import test, { type ExecutionContext } from 'ava';
import { addDays, kstDate } from '../src/time/kst.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeStore, makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

/** Admin input that makes sense: no schedules in the past, none overlapping, prices and sizes a room can have. */
let database: TestDatabase;
let service: TestService;
let admin: string;

test.before(async () => {
  database = await createTestDatabase(4);
  service = await startTestService(database.db);
  const [adminId] = await makeUsers(database.db, 1, 'ADMIN');
  admin = service.tokenFor(adminId!, 'ADMIN');
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const asAdmin = (method: string, path: string, body?: unknown) => service.request(method, path, { token: admin, body });
const day = (offset: number) => addDays(kstDate(new Date()), offset);
/** The theme's schedules as `date time`, in order. */
const timetable = async (themeId: number) =>
  (await database.db('schedules').where({ theme_id: themeId }).orderBy('starts_at')).map((r: { date: string; start_time: string }) => `${r.date} ${r.start_time}`);
const themeRow = (id: number) => database.db('themes').where({ id }).first();
const schedulesBody = (themeId: number, from: string, to: string, startTimes: string[]) => ({ themeId, from, to, startTimes });

function assertRefused(t: ExecutionContext, res: { status: number; body: any }, status: number, code: string, field: string) {
  t.is(res.status, status, JSON.stringify(res.body));
  t.deepEqual(Object.keys(res.body).sort(), ['code', 'message']);
  t.is(res.body.code, code);
  t.true(res.body.message.startsWith(`${field}:`), res.body.message);
}

test('POST /admin/schedules: from before today in Asia/Seoul answers 400 naming from and writes nothing', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(-1), day(2), ['10:00']));

  assertRefused(t, res, 400, 'INVALID_REQUEST', 'from');
  t.deepEqual(await timetable(themeId), []);
});

test('POST /admin/schedules: a start time already past today refuses the whole request, naming startTimes', async (t) => {
  const themeId = await makeTheme(database.db);
  // 00:00 today has always begun; tomorrow's would be fine, but the request is all or nothing.
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(0), day(1), ['00:00']));

  assertRefused(t, res, 400, 'INVALID_REQUEST', 'startTimes');
  t.true(res.body.message.includes(`${day(0)} 00:00`), res.body.message);
  t.deepEqual(await timetable(themeId), []);
});

test('POST /admin/schedules: two start times closer than the theme’s duration answer 400 naming startTimes and write nothing', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(10), day(12), ['10:00', '14:00', '10:30']));

  assertRefused(t, res, 400, 'INVALID_REQUEST', 'startTimes');
  t.true(res.body.message.includes(`${day(10)} 10:00 and ${day(10)} 10:30`), res.body.message);
  t.deepEqual(await timetable(themeId), []);
});

test('POST /admin/schedules: a late slot overlapping the next day’s first one is refused, naming startTimes', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(10), day(11), ['00:00', '23:30']));

  assertRefused(t, res, 400, 'INVALID_REQUEST', 'startTimes');
  t.true(res.body.message.includes(`${day(10)} 23:30 and ${day(11)} 00:00`), res.body.message);
  t.deepEqual(await timetable(themeId), []);
});

test('POST /admin/schedules: slots exactly one duration apart do not overlap', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(10), day(10), ['10:00', '11:00', '12:00']));

  t.is(res.status, 201, JSON.stringify(res.body));
  t.deepEqual(await timetable(themeId), [`${day(10)} 10:00`, `${day(10)} 11:00`, `${day(10)} 12:00`]);
});

test('POST /admin/schedules: a slot overlapping one the theme has answers 409 SCHEDULE_OVERLAP naming startTimes and writes nothing', async (t) => {
  const themeId = await makeTheme(database.db);
  t.is((await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(20), day(20), ['10:00']))).status, 201);
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(19), day(21), ['10:30']));

  assertRefused(t, res, 409, 'SCHEDULE_OVERLAP', 'startTimes');
  t.is(res.body.message, `startTimes: ${day(20)} 10:30 would overlap the schedule at ${day(20)} 10:00: the theme runs 60 minutes`);
  t.deepEqual(await timetable(themeId), [`${day(20)} 10:00`]);
});

test('POST /admin/schedules: a slot the theme already has is kept, not an overlap; one after it is added', async (t) => {
  const themeId = await makeTheme(database.db);
  await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(20), day(20), ['10:00']));
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(20), day(20), ['10:00', '11:00']));

  t.is(res.status, 201, JSON.stringify(res.body));
  t.like(res.body, { requested: 2, created: 1 });
  t.deepEqual(await timetable(themeId), [`${day(20)} 10:00`, `${day(20)} 11:00`]);
});

test('POST /admin/schedules: a blocked schedule late the day before still occupies the room past midnight', async (t) => {
  const themeId = await makeTheme(database.db);
  const late = await makeSchedule(database.db, { themeId, date: day(30), startTime: '23:30' });
  await database.db('schedules').where({ id: late }).update({ status: 'BLOCKED' });
  const res = await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(31), day(31), ['00:15']));

  assertRefused(t, res, 409, 'SCHEDULE_OVERLAP', 'startTimes');
  t.deepEqual(await timetable(themeId), [`${day(30)} 23:30`]);
});

test('POST /admin/schedules: two admins adding overlapping slots at once: one wins, the other gets 409, one row', async (t) => {
  const themeId = await makeTheme(database.db);
  const results = await Promise.all([
    asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(40), day(40), ['10:00'])),
    asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(40), day(40), ['10:30'])),
  ]);

  t.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
  t.is((await timetable(themeId)).length, 1);
});

test('PATCH /admin/themes/:id: a longer duration that would make future schedules overlap answers 409 naming durationMinutes and changes nothing', async (t) => {
  const themeId = await makeTheme(database.db);
  await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(5), day(5), ['10:00', '11:00']));
  const before = await themeRow(themeId);
  const res = await asAdmin('PATCH', `/admin/themes/${themeId}`, { durationMinutes: 90, price: 30000 });

  assertRefused(t, res, 409, 'SCHEDULE_OVERLAP', 'durationMinutes');
  t.true(res.body.message.includes(`${day(5)} 10:00 and ${day(5)} 11:00`), res.body.message);
  t.deepEqual(await themeRow(themeId), before);
});

test('PATCH /admin/themes/:id: a longer duration that fits between the schedules, or a shorter one, is taken', async (t) => {
  const themeId = await makeTheme(database.db);
  await asAdmin('POST', '/admin/schedules', schedulesBody(themeId, day(5), day(5), ['10:00', '12:00']));

  t.like(await asAdmin('PATCH', `/admin/themes/${themeId}`, { durationMinutes: 120 }), { status: 200, body: { durationMinutes: 120 } });
  t.like(await asAdmin('PATCH', `/admin/themes/${themeId}`, { durationMinutes: 45 }), { status: 200, body: { durationMinutes: 45 } });
  t.is((await themeRow(themeId)).duration_minutes, 45);
});

test('PATCH /admin/themes/:id: schedules long over do not hold back a longer duration', async (t) => {
  const themeId = await makeTheme(database.db);
  await makeSchedule(database.db, { themeId, date: day(-3), startTime: '10:00' });
  await makeSchedule(database.db, { themeId, date: day(-3), startTime: '11:00' });
  const res = await asAdmin('PATCH', `/admin/themes/${themeId}`, { durationMinutes: 90 });

  t.like(res, { status: 200, body: { durationMinutes: 90 } });
});

const themeInput = (storeId: number, overrides: Record<string, unknown> = {}) => ({
  storeId,
  name: `Bounded ${Math.random().toString(36).slice(2)}`,
  price: 25000,
  durationMinutes: 60,
  minPlayers: 2,
  maxPlayers: 6,
  difficulty: 3,
  ...overrides,
});

const OUT_OF_BOUNDS: Array<[string, Record<string, unknown>]> = [
  ['price', { price: 999 }],
  ['price', { price: 1_000_001 }],
  ['durationMinutes', { durationMinutes: 9 }],
  ['durationMinutes', { durationMinutes: 481 }],
  ['minPlayers', { minPlayers: 0 }],
  ['maxPlayers', { maxPlayers: 51 }],
];

for (const [field, overrides] of OUT_OF_BOUNDS) {
  test(`POST /admin/themes: ${field} of ${Object.values(overrides)[0]} answers 400 naming ${field} and adds no theme`, async (t) => {
    const storeId = await makeStore(database.db);
    const res = await asAdmin('POST', '/admin/themes', themeInput(storeId, overrides));

    assertRefused(t, res, 400, 'INVALID_REQUEST', field);
    t.is(await database.db('themes').where({ store_id: storeId }).first(), undefined);
  });

  test(`PATCH /admin/themes/:id: ${field} of ${Object.values(overrides)[0]} answers 400 naming ${field} and changes nothing`, async (t) => {
    const themeId = await makeTheme(database.db);
    const before = await themeRow(themeId);
    const res = await asAdmin('PATCH', `/admin/themes/${themeId}`, overrides);

    assertRefused(t, res, 400, 'INVALID_REQUEST', field);
    t.deepEqual(await themeRow(themeId), before);
  });
}

test('POST /admin/themes: the bounds themselves are taken (1,000 and 1,000,000 KRW, 10 and 480 minutes, 1 and 50 players)', async (t) => {
  const storeId = await makeStore(database.db);
  const low = await asAdmin('POST', '/admin/themes', themeInput(storeId, { price: 1_000, durationMinutes: 10, minPlayers: 1, maxPlayers: 1 }));
  const high = await asAdmin('POST', '/admin/themes', themeInput(storeId, { price: 1_000_000, durationMinutes: 480, minPlayers: 50, maxPlayers: 50 }));

  t.like(low, { status: 201, body: { price: 1_000, durationMinutes: 10, minPlayers: 1, maxPlayers: 1 } });
  t.like(high, { status: 201, body: { price: 1_000_000, durationMinutes: 480, minPlayers: 50, maxPlayers: 50 } });
});
