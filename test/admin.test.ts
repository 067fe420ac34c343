import test from 'ava';
import { addDays, kstDate } from '../src/time/kst.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeStore, makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;
let admin: string;
/** A store, theme and schedule that the forbidden calls aim at. */
let target: { store: number; theme: number; schedule: number };

test.before(async () => {
  database = await createTestDatabase();
  service = await startTestService(database.db);
  const [adminId] = await makeUsers(database.db, 1, 'ADMIN');
  admin = service.tokenFor(adminId!, 'ADMIN');
  const theme = await makeTheme(database.db);
  target = { theme, store: (await database.db('themes').where({ id: theme }).first('store_id')).store_id, schedule: await makeSchedule(database.db) };
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const count = async (table: string, where: Record<string, unknown> = {}) => Number((await database.db(table).where(where).count({ n: '*' }))[0]!.n);
const row = (table: string, id: number) => database.db(table).where({ id }).first();
const themeInput = (storeId: number, name = `Room ${Math.random().toString(36).slice(2)}`) => ({ storeId, name, price: 23000, durationMinutes: 70, minPlayers: 2, maxPlayers: 5, difficulty: 4 });
const asAdmin = (method: string, path: string, body?: unknown) => service.request(method, path, { token: admin, body });
const farDate = (days: number) => addDays(kstDate(new Date()), days);

/** Every admin route, with a body that would be accepted; `:store`, `:theme`, `:schedule` stand for the target's ids. */
const ROUTES: Array<[string, string, unknown?]> = [
  ['POST', '/admin/stores', { name: 'Guarded store', address: 'Seoul' }],
  ['PATCH', '/admin/stores/:store', { name: 'Renamed' }],
  ['DELETE', '/admin/stores/:store'],
  ['POST', '/admin/themes', { ...themeInput(0, 'Guarded theme'), storeId: ':store' }],
  ['PATCH', '/admin/themes/:theme', { price: 1 }],
  ['DELETE', '/admin/themes/:theme'],
  ['POST', '/admin/schedules', { themeId: ':theme', from: '2030-01-01', to: '2030-01-01', startTimes: ['10:00'] }],
  ['POST', '/admin/schedules/:schedule/block'],
  ['POST', '/admin/schedules/:schedule/unblock'],
  ['GET', '/admin/reservations'],
  ['GET', '/admin/login-history'],
];
const fillPath = (path: string) => path.replace(/:(store|theme|schedule)\b/g, (_, k: keyof typeof target) => String(target[k]));
const fillBody = (body: unknown) => (body === undefined ? undefined : JSON.parse(JSON.stringify(body).replace(/":(store|theme|schedule)"/g, (_, k: keyof typeof target) => String(target[k]))));
const snapshot = async () => ({
  counts: await Promise.all(['stores', 'themes', 'schedules', 'reservations'].map((table) => count(table))),
  rows: [await row('stores', target.store), await row('themes', target.theme), await row('schedules', target.schedule)],
});

for (const [method, template, body] of ROUTES) {
  test(`${method} ${template}: without a token answers 401 UNAUTHORIZED`, async (t) => {
    const res = await service.request(method, fillPath(template), { body: fillBody(body) });

    t.like(res, { status: 401, body: { code: 'UNAUTHORIZED' } });
  });

  // Serial: AVA runs these before the concurrent tests, so nothing else moves the rows compared.
  test.serial(`${method} ${template}: with a USER token answers 403 FORBIDDEN and changes nothing`, async (t) => {
    const [userId] = await makeUsers(database.db, 1);
    const before = await snapshot();
    const res = await service.request(method, fillPath(template), { body: fillBody(body), token: service.tokenFor(userId!, 'USER') });

    t.is(res.status, 403);
    t.deepEqual(res.body, { code: 'FORBIDDEN', message: res.body.message });
    t.deepEqual(await snapshot(), before);
  });
}

/** Requests that break a rule: [what, the field named, method, path, body]. */
const INVALID: Array<[string, string, string, string, unknown?]> = [
  ['maxPlayers below minPlayers', 'maxPlayers', 'POST', '/admin/themes', { ...themeInput(0, 'Upside down'), storeId: ':store', minPlayers: 4, maxPlayers: 3 }],
  ['minPlayers above the current maxPlayers', 'maxPlayers', 'PATCH', '/admin/themes/:theme', { minPlayers: 7 }],
  ['a blank store name', 'name', 'POST', '/admin/stores', { name: '  ', address: 'Seoul' }],
  ['from after to', 'to', 'POST', '/admin/schedules', { themeId: ':theme', from: '2030-01-02', to: '2030-01-01', startTimes: ['10:00'] }],
  ['no start times', 'startTimes', 'POST', '/admin/schedules', { themeId: ':theme', from: '2030-01-01', to: '2030-01-01', startTimes: [] }],
  ['an unknown status', 'status', 'GET', '/admin/reservations?status=LOST'],
];

for (const [label, field, method, template, body] of INVALID) {
  test.serial(`${method} ${template}: with ${label} answers 400 INVALID_REQUEST naming ${field} and changes nothing`, async (t) => {
    const before = await snapshot();
    const res = await asAdmin(method, fillPath(template), fillBody(body));

    t.like(res, { status: 400, body: { code: 'INVALID_REQUEST' } });
    t.true(res.body.message.startsWith(`${field}:`), res.body.message);
    t.deepEqual(await snapshot(), before);
  });
}

const MISSING: Array<[string, string, string, unknown?]> = [
  ['PATCH', '/admin/stores/987654321', 'STORE_NOT_FOUND', { address: 'x' }],
  ['DELETE', '/admin/stores/987654321', 'STORE_NOT_FOUND'],
  ['PATCH', '/admin/themes/987654321', 'THEME_NOT_FOUND', { price: 1000 }],
  ['DELETE', '/admin/themes/987654321', 'THEME_NOT_FOUND'],
  ['POST', '/admin/schedules', 'THEME_NOT_FOUND', { themeId: 987654321, from: '2030-01-01', to: '2030-01-01', startTimes: ['10:00'] }],
  ['POST', '/admin/schedules/987654321/block', 'SCHEDULE_NOT_FOUND'],
  ['POST', '/admin/schedules/987654321/unblock', 'SCHEDULE_NOT_FOUND'],
];

for (const [method, path, code, body] of MISSING) {
  test(`${method} ${path.replace('987654321', ':id')}: for something that does not exist answers 404 ${code}`, async (t) => {
    const res = await asAdmin(method, path, body);

    t.deepEqual(res.body, { code, message: res.body.message });
    t.is(res.status, 404);
  });
}

test('POST /admin/stores: answers 201 with the store and stores it', async (t) => {
  const res = await asAdmin('POST', '/admin/stores', { name: 'Jamsil Escape', address: '1 Olympic-ro', phone: '02-000-1111' });

  t.is(res.status, 201);
  t.like(res.body, { name: 'Jamsil Escape', address: '1 Olympic-ro', phone: '02-000-1111' });
  t.like(await database.db('stores').where({ id: res.body.id }).first(), { name: 'Jamsil Escape', address: '1 Olympic-ro', phone: '02-000-1111' });
});

test('POST /admin/stores: with a name already used answers 409 NAME_TAKEN and adds no row', async (t) => {
  await asAdmin('POST', '/admin/stores', { name: 'Twin Store', address: 'A' });
  const res = await asAdmin('POST', '/admin/stores', { name: 'Twin Store', address: 'B' });

  t.like(res, { status: 409, body: { code: 'NAME_TAKEN' } });
  t.is(await count('stores', { name: 'Twin Store' }), 1);
});

test('PATCH /admin/stores/:id: changes only the fields sent', async (t) => {
  const storeId = await makeStore(database.db);
  const res = await asAdmin('PATCH', `/admin/stores/${storeId}`, { address: 'New address 9' });

  t.is(res.status, 200);
  const stored = await row('stores', storeId);
  t.deepEqual(res.body, { id: storeId, name: stored.name, address: 'New address 9', phone: null });
  t.is(stored.address, 'New address 9');
});

test('PATCH /admin/stores/:id: to a name another store uses answers 409 NAME_TAKEN and keeps the old name', async (t) => {
  const [a, b] = [await makeStore(database.db), await makeStore(database.db)];
  const taken = (await row('stores', b)).name;
  const before = (await row('stores', a)).name;
  const res = await asAdmin('PATCH', `/admin/stores/${a}`, { name: taken });

  t.like(res, { status: 409, body: { code: 'NAME_TAKEN' } });
  t.is((await row('stores', a)).name, before);
});

test('DELETE /admin/stores/:id: answers 204 and removes the store', async (t) => {
  const storeId = await makeStore(database.db);
  const res = await asAdmin('DELETE', `/admin/stores/${storeId}`);

  t.is(res.status, 204);
  t.is(await row('stores', storeId), undefined);
});

test('DELETE /admin/stores/:id: for a store with themes answers 409 IN_USE and keeps it', async (t) => {
  const themeId = await makeTheme(database.db);
  const { store_id: storeId } = await database.db('themes').where({ id: themeId }).first('store_id');
  const res = await asAdmin('DELETE', `/admin/stores/${storeId}`);

  t.like(res, { status: 409, body: { code: 'IN_USE' } });
  t.truthy(await row('stores', storeId));
});

test('POST /admin/themes: answers 201 with the theme and stores it', async (t) => {
  const storeId = await makeStore(database.db);
  const res = await asAdmin('POST', '/admin/themes', themeInput(storeId, 'Clockwork'));

  t.is(res.status, 201);
  t.deepEqual(res.body, { id: res.body.id, ...themeInput(storeId, 'Clockwork'), description: '' });
  t.like(await database.db('themes').where({ id: res.body.id }).first(), { store_id: storeId, name: 'Clockwork', price: 23000, max_players: 5 });
});

test('POST /admin/themes: for a missing store answers 404 STORE_NOT_FOUND and adds no row', async (t) => {
  const res = await asAdmin('POST', '/admin/themes', themeInput(987654321, 'Orphan'));

  t.like(res, { status: 404, body: { code: 'STORE_NOT_FOUND' } });
  t.is(await database.db('themes').where({ name: 'Orphan' }).first(), undefined);
});

test('POST /admin/themes: with a name the store already uses answers 409 NAME_TAKEN and adds no row', async (t) => {
  const storeId = await makeStore(database.db);
  await asAdmin('POST', '/admin/themes', themeInput(storeId, 'Same room'));
  const res = await asAdmin('POST', '/admin/themes', themeInput(storeId, 'Same room'));

  t.like(res, { status: 409, body: { code: 'NAME_TAKEN' } });
  t.is(await count('themes', { store_id: storeId }), 1);
});

test('PATCH /admin/themes/:id: changes the fields sent', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('PATCH', `/admin/themes/${themeId}`, { price: 99000, description: 'Now darker' });

  t.is(res.status, 200);
  t.like(res.body, { id: themeId, price: 99000, description: 'Now darker', minPlayers: 2, maxPlayers: 6 });
  t.like(await row('themes', themeId), { price: 99000, description: 'Now darker' });
});

test('DELETE /admin/themes/:id: answers 204 and removes the theme', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('DELETE', `/admin/themes/${themeId}`);

  t.is(res.status, 204);
  t.is(await row('themes', themeId), undefined);
});

test('DELETE /admin/themes/:id: for a theme with schedules answers 409 IN_USE and keeps it', async (t) => {
  const themeId = await makeTheme(database.db);
  await makeSchedule(database.db, { themeId });
  const res = await asAdmin('DELETE', `/admin/themes/${themeId}`);

  t.like(res, { status: 409, body: { code: 'IN_USE' } });
  t.truthy(await row('themes', themeId));
});

test('POST /admin/schedules: creates one schedule per day and start time', async (t) => {
  const themeId = await makeTheme(database.db);
  const [from, to] = [farDate(40), farDate(42)];
  const res = await asAdmin('POST', '/admin/schedules', { themeId, from, to, startTimes: ['10:00', '12:30'] });

  t.is(res.status, 201);
  t.like(res.body, { requested: 6, created: 6 });
  t.is(res.body.schedules.length, 6);
  const rows = await database.db('schedules').where({ theme_id: themeId }).orderBy(['date', 'start_time']);
  t.deepEqual(
    rows.map((r) => `${r.date} ${r.start_time} ${r.status}`),
    [from, addDays(from, 1), to].flatMap((d) => [`${d} 10:00 AVAILABLE`, `${d} 12:30 AVAILABLE`]),
  );
});

test('POST /admin/schedules: run twice, creates nothing the second time', async (t) => {
  const themeId = await makeTheme(database.db);
  const body = { themeId, from: farDate(50), to: farDate(51), startTimes: ['11:00', '15:00'] };
  await asAdmin('POST', '/admin/schedules', body);
  const res = await asAdmin('POST', '/admin/schedules', body);

  t.is(res.status, 201);
  t.like(res.body, { requested: 4, created: 0, schedules: [] });
  t.is(await count('schedules', { theme_id: themeId }), 4);
});

test('POST /admin/schedules: creates a repeated start time once', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('POST', '/admin/schedules', { themeId, from: farDate(60), to: farDate(60), startTimes: ['19:00', '19:00', '20:00'] });

  t.is(res.status, 201);
  t.is(res.body.created, 2);
  t.deepEqual(
    (await database.db('schedules').where({ theme_id: themeId }).orderBy('start_time')).map((r) => r.start_time),
    ['19:00', '20:00'],
  );
});

test('POST /admin/schedules: stores starts_at as the UTC instant of the Seoul local time', async (t) => {
  const themeId = await makeTheme(database.db);
  const res = await asAdmin('POST', '/admin/schedules', { themeId, from: '2030-03-01', to: '2030-03-01', startTimes: ['00:30', '10:00'] });

  t.is(res.status, 201);
  const rows = await database.db('schedules').where({ theme_id: themeId }).orderBy('start_time');
  t.deepEqual(
    rows.map((r) => [r.date, r.start_time, r.starts_at.toISOString()]),
    [
      ['2030-03-01', '00:30', '2030-02-28T15:30:00.000Z'],
      ['2030-03-01', '10:00', '2030-03-01T01:00:00.000Z'],
    ],
  );
});

test('POST /admin/schedules/:id/block: blocks an AVAILABLE schedule', async (t) => {
  const id = await makeSchedule(database.db);
  const res = await asAdmin('POST', `/admin/schedules/${id}/block`);

  t.is(res.status, 200);
  t.like(res.body, { id, status: 'BLOCKED' });
  t.is((await row('schedules', id)).status, 'BLOCKED');
});

test('POST /schedules/:id/hold: on a blocked schedule answers 409 SCHEDULE_NOT_AVAILABLE', async (t) => {
  const id = await makeSchedule(database.db);
  const [userId] = await makeUsers(database.db, 1);
  await asAdmin('POST', `/admin/schedules/${id}/block`);
  const res = await service.request('POST', `/schedules/${id}/hold`, { token: service.tokenFor(userId!) });

  t.like(res, { status: 409, body: { code: 'SCHEDULE_NOT_AVAILABLE' } });
  t.like(await row('schedules', id), { status: 'BLOCKED', held_by: null });
});

test('POST /admin/schedules/:id/block: on a held schedule answers 409 SCHEDULE_NOT_AVAILABLE and keeps the hold', async (t) => {
  const id = await makeSchedule(database.db);
  const [userId] = await makeUsers(database.db, 1);
  t.is((await service.request('POST', `/schedules/${id}/hold`, { token: service.tokenFor(userId!) })).status, 200);
  const res = await asAdmin('POST', `/admin/schedules/${id}/block`);

  t.like(res, { status: 409, body: { code: 'SCHEDULE_NOT_AVAILABLE' } });
  t.like(await row('schedules', id), { status: 'HOLD', held_by: userId });
});

test('POST /admin/schedules/:id/unblock: makes a blocked schedule AVAILABLE again', async (t) => {
  const id = await makeSchedule(database.db);
  await asAdmin('POST', `/admin/schedules/${id}/block`);
  const res = await asAdmin('POST', `/admin/schedules/${id}/unblock`);

  t.is(res.status, 200);
  t.like(res.body, { id, status: 'AVAILABLE' });
  t.is((await row('schedules', id)).status, 'AVAILABLE');
});

test('POST /admin/schedules/:id/unblock: on a schedule that is not blocked answers 409 SCHEDULE_NOT_BLOCKED', async (t) => {
  const id = await makeSchedule(database.db);
  const res = await asAdmin('POST', `/admin/schedules/${id}/unblock`);

  t.like(res, { status: 409, body: { code: 'SCHEDULE_NOT_BLOCKED' } });
  t.is((await row('schedules', id)).status, 'AVAILABLE');
});

test('GET /admin/reservations?date=&status=: filters by the schedule’s date and the status', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const themeId = await makeTheme(database.db);
  const [day, otherDay] = [farDate(80), farDate(81)];
  const reserve = async (date: string, startTime: string, status: string) => {
    const scheduleId = await makeSchedule(database.db, { themeId, date, startTime });
    const [inserted] = await database
      .db('reservations')
      .insert({ schedule_id: scheduleId, user_id: userId, status, order_id: `adm-${themeId}-${date}-${startTime.replace(':', '')}`, amount: 25000, participants: 2, expires_at: new Date() })
      .returning('id');
    return inserted.id as number;
  };
  const confirmed = await reserve(day, '10:00', 'CONFIRMED');
  const canceled = await reserve(day, '11:00', 'CANCELED');
  await reserve(otherDay, '10:00', 'CONFIRMED');

  const byDate = await asAdmin('GET', `/admin/reservations?date=${day}`);
  t.is(byDate.status, 200);
  t.deepEqual(
    byDate.body.map((r: { id: number }) => r.id),
    [confirmed, canceled],
  );
  t.like(byDate.body[0], { scheduleId: byDate.body[0].scheduleId, userId, status: 'CONFIRMED', schedule: { date: day, startTime: '10:00' }, theme: { id: themeId } });

  const both = await asAdmin('GET', `/admin/reservations?date=${day}&status=CANCELED`);
  t.deepEqual(
    both.body.map((r: { id: number }) => r.id),
    [canceled],
  );
});

test('GET /admin/login-history?userId=: lists only that user’s attempts, newest first', async (t) => {
  const [userId, otherId] = await makeUsers(database.db, 2);
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  await database.db('login_history').insert([
    { user_id: userId, email: 'a@test.local', success: false, ip: '10.0.0.1', user_agent: 'ua-1', created_at: at(5) },
    { user_id: otherId, email: 'b@test.local', success: true, ip: '10.0.0.2', user_agent: 'ua-2', created_at: at(4) },
    { user_id: userId, email: 'a@test.local', success: true, ip: '10.0.0.3', user_agent: 'ua-3', created_at: at(3) },
  ]);
  const res = await asAdmin('GET', `/admin/login-history?userId=${userId}`);

  t.is(res.status, 200);
  t.deepEqual(
    res.body.map((r: { ip: string; success: boolean; userId: number; userAgent: string }) => [r.userId, r.success, r.ip, r.userAgent]),
    [
      [userId, true, '10.0.0.3', 'ua-3'],
      [userId, false, '10.0.0.1', 'ua-1'],
    ],
  );
});
