import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { addDays, kstDate } from '../src/time/kst.js';

let database: TestDatabase;
let service: TestService;
const date = addDays(kstDate(new Date()), 3);

test.before(async () => {
  database = await createTestDatabase(5);
  service = await startTestService(database.db);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const listing = (themeId: number) => service.request('GET', `/themes/${themeId}/schedules?date=${date}`);
const statusOf = (body: { id: number; status: string }[], id: number) => body.find((s) => s.id === id)?.status;

test('GET /themes/:id/schedules: a hold shows in the listing at once, from memory the actor keeps current', async (t) => {
  const themeId = await makeTheme(database.db);
  const id = await makeSchedule(database.db, { themeId, date, startTime: '10:00' });
  const [user] = await makeUsers(database.db, 1);
  t.is(statusOf((await listing(themeId)).body, id), 'AVAILABLE');
  const queries: string[] = [];
  const record = (q: { sql: string }) => queries.push(q.sql);
  database.db.on('query', record);
  t.teardown(() => database.db.off('query', record));
  t.is((await service.request('POST', `/schedules/${id}/hold`, { token: service.tokenFor(user!) })).status, 200);
  const before = queries.length;
  t.is(statusOf((await listing(themeId)).body, id), 'HOLD');
  t.is(queries.length, before, 'the listing was answered without a query');
});

test('GET /themes/:id/schedules: a change made by another process shows within the listing TTL', async (t) => {
  const themeId = await makeTheme(database.db);
  const id = await makeSchedule(database.db, { themeId, date, startTime: '11:00' });
  t.is(statusOf((await listing(themeId)).body, id), 'AVAILABLE');
  await database
    .db('schedules')
    .where({ id })
    .update({ status: 'BLOCKED', version: database.db.raw('version + 1') });
  const deadline = Date.now() + 3_000;
  let seen = 'AVAILABLE';
  while (seen !== 'BLOCKED' && Date.now() < deadline) {
    seen = statusOf((await listing(themeId)).body, id) ?? '';
    if (seen !== 'BLOCKED') await new Promise((r) => setTimeout(r, 100));
  }
  t.is(seen, 'BLOCKED');
});

test('GET /themes/:id/schedules: a theme that does not exist answers 404 THEME_NOT_FOUND', async (t) => {
  const res = await service.request('GET', `/themes/987654321/schedules?date=${date}`);
  t.is(res.status, 404);
  t.is(res.body.code, 'THEME_NOT_FOUND');
});
