import test from 'ava';
import { addDays, kstDate, kstInstant } from '../src/time/kst.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

/** The waiting list's routes: who may join, what they get back, and what bad input writes (nothing). */
let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase(30);
  service = await startTestService(database.db, { WAITLIST_MAX_PER_USER: '3' });
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const entryCount = async (userId: number) => Number((await database.db('waitlist_entries').where({ user_id: userId }).count({ n: '*' }))[0]!.n);

/** A schedule someone holds, and a user who would like it. */
async function heldSchedule(): Promise<{ scheduleId: number; holder: string; token: string; userId: number }> {
  const scheduleId = await makeSchedule(database.db);
  const [holder, userId] = (await makeUsers(database.db, 2)) as [number, number];
  const holderToken = service.tokenFor(holder);
  const held = await service.request('POST', `/schedules/${scheduleId}/hold`, { token: holderToken });
  if (held.status !== 200) throw new Error(`hold failed: ${held.status}`);
  return { scheduleId, holder: holderToken, token: service.tokenFor(userId), userId };
}

test('join: 201 with position 1 and WAITING; joining again answers the same entry with 200', async (t) => {
  const { scheduleId, token } = await heldSchedule();
  const joined = await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token });
  t.is(joined.status, 201);
  t.deepEqual(Object.keys(joined.body).sort(), ['id', 'position', 'scheduleId', 'status']);
  t.like(joined.body, { scheduleId, position: 1, status: 'WAITING' });
  const again = await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token });
  t.is(again.status, 200);
  t.deepEqual(again.body, joined.body);
});

test('join refusals: AVAILABLE 409, started 400, unknown 404, own hold 409, bad id 400, no token 401; none writes', async (t) => {
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const token = service.tokenFor(userId);

  const free = await makeSchedule(database.db);
  t.like(await service.request('POST', `/schedules/${free}/waitlist`, { token }), { status: 409, body: { code: 'SCHEDULE_AVAILABLE' } });

  const yesterday = addDays(kstDate(new Date()), -1);
  const past = await makeSchedule(database.db, { date: yesterday, startTime: '10:00' });
  await database
    .db('schedules')
    .where({ id: past })
    .update({ status: 'BLOCKED', starts_at: kstInstant(yesterday, '10:00') });
  t.like(await service.request('POST', `/schedules/${past}/waitlist`, { token }), { status: 400, body: { code: 'SCHEDULE_IN_PAST' } });

  t.like(await service.request('POST', '/schedules/999999999/waitlist', { token }), { status: 404, body: { code: 'SCHEDULE_NOT_FOUND' } });

  const { scheduleId, holder } = await heldSchedule();
  t.like(await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token: holder }), { status: 409, body: { code: 'SCHEDULE_ALREADY_YOURS' } });

  for (const id of ['0', 'abc', '1e3', '-1', '12345678901234567890']) {
    const res = await service.request('POST', `/schedules/${id}/waitlist`, { token });
    t.is(res.status, 400, id);
    t.is(res.body.code, 'INVALID_REQUEST');
    t.is(typeof res.body.message, 'string');
  }
  t.like(await service.request('POST', `/schedules/${scheduleId}/waitlist`), { status: 401, body: { code: 'UNAUTHORIZED' } });
  t.like(await service.request('DELETE', `/schedules/${scheduleId}/waitlist`), { status: 401, body: { code: 'UNAUTHORIZED' } });
  t.like(await service.request('GET', '/waitlist/mine'), { status: 401, body: { code: 'UNAUTHORIZED' } });
  t.is(await entryCount(userId), 0);
  t.is(Number((await database.db('waitlist_entries').where({ schedule_id: scheduleId }).count({ n: '*' }))[0]!.n), 0);
});

test('the per-user cap: WAITLIST_MAX_PER_USER open entries, then 409 WAITLIST_LIMIT_REACHED naming it; leaving makes room', async (t) => {
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const token = service.tokenFor(userId);
  const lists = await Promise.all([0, 1, 2, 3].map(() => heldSchedule()));
  for (const { scheduleId } of lists.slice(0, 3)) t.is((await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token })).status, 201);
  const over = await service.request('POST', `/schedules/${lists[3]!.scheduleId}/waitlist`, { token });
  t.is(over.status, 409);
  t.like(over.body, { code: 'WAITLIST_LIMIT_REACHED', limit: 'WAITLIST_MAX_PER_USER', max: 3 });
  t.is(await database.db('waitlist_entries').where({ schedule_id: lists[3]!.scheduleId }).first(), undefined);

  t.is((await service.request('DELETE', `/schedules/${lists[0]!.scheduleId}/waitlist`, { token })).status, 204);
  t.is((await service.request('POST', `/schedules/${lists[3]!.scheduleId}/waitlist`, { token })).status, 201);
});

test('leave: 204, positions behind move up, leaving twice or a list one is not on is 204, an unknown schedule 404', async (t) => {
  const { scheduleId } = await heldSchedule();
  const users = await makeUsers(database.db, 3);
  const tokens = users.map((u) => service.tokenFor(u));
  for (const token of tokens) t.is((await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token })).status, 201);

  t.is((await service.request('DELETE', `/schedules/${scheduleId}/waitlist`, { token: tokens[0] })).status, 204);
  t.is((await service.request('DELETE', `/schedules/${scheduleId}/waitlist`, { token: tokens[0] })).status, 204);
  t.like((await service.request('GET', '/waitlist/mine', { token: tokens[0] })).body[0], { scheduleId, status: 'LEFT', position: null });
  t.like((await service.request('GET', '/waitlist/mine', { token: tokens[2] })).body[0], { scheduleId, status: 'WAITING', position: 2 });
  t.like(await service.request('DELETE', '/schedules/999999999/waitlist', { token: tokens[0] }), { status: 404, body: { code: 'SCHEDULE_NOT_FOUND' } });

  // Rejoining after leaving goes to the back of the list.
  const back = await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token: tokens[0] });
  t.is(back.status, 201);
  t.is(back.body.position, 3);
});

test('GET /waitlist/mine: the caller’s entries with theme, date and start time, newest first, nobody else’s', async (t) => {
  const a = await heldSchedule();
  const b = await heldSchedule();
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const token = service.tokenFor(userId);
  await service.request('POST', `/schedules/${a.scheduleId}/waitlist`, { token });
  await service.request('POST', `/schedules/${b.scheduleId}/waitlist`, { token });
  await service.request('POST', `/schedules/${b.scheduleId}/waitlist`, { token: a.token });

  const mine = await service.request('GET', '/waitlist/mine', { token });
  t.is(mine.status, 200);
  t.deepEqual(
    mine.body.map((e: { scheduleId: number }) => e.scheduleId),
    [b.scheduleId, a.scheduleId],
  );
  const row = await database.db('schedules').join('themes', 'themes.id', 'schedules.theme_id').where('schedules.id', b.scheduleId).first('themes.name', 'schedules.date', 'schedules.start_time');
  t.deepEqual(Object.keys(mine.body[0]).sort(), ['date', 'id', 'position', 'scheduleId', 'startTime', 'status', 'theme']);
  t.like(mine.body[0], { theme: row.name, date: row.date, startTime: row.start_time, status: 'WAITING', position: 1 });
});

test('GET /admin/schedules/:id/waitlist: the list in join order for an admin; 403 for a user, 404 for an unknown schedule', async (t) => {
  const { scheduleId, token } = await heldSchedule();
  const others = await makeUsers(database.db, 2);
  await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token });
  for (const u of others) await service.request('POST', `/schedules/${scheduleId}/waitlist`, { token: service.tokenFor(u) });
  const [admin] = (await makeUsers(database.db, 1, 'ADMIN')) as [number];
  const adminToken = service.tokenFor(admin, 'ADMIN');

  const list = await service.request('GET', `/admin/schedules/${scheduleId}/waitlist`, { token: adminToken });
  t.is(list.status, 200);
  t.deepEqual(
    list.body.map((e: { position: number }) => e.position),
    [1, 2, 3],
  );
  t.deepEqual(
    list.body.slice(1).map((e: { userId: number }) => e.userId),
    others,
  );
  t.like(list.body[0], { scheduleId, status: 'WAITING', offeredAt: null, offerExpiresAt: null });
  t.like(await service.request('GET', `/admin/schedules/${scheduleId}/waitlist`, { token }), { status: 403, body: { code: 'FORBIDDEN' } });
  t.like(await service.request('GET', '/admin/schedules/999999999/waitlist', { token: adminToken }), { status: 404, body: { code: 'SCHEDULE_NOT_FOUND' } });
});

test('500 users join one booked schedule’s list at once: positions 1..500, no gaps, no duplicates, in the order the entries were taken', async (t) => {
  const { scheduleId } = await heldSchedule();
  const users = await makeUsers(database.db, 500);
  const answers = await Promise.all(users.map((u) => service.request('POST', `/schedules/${scheduleId}/waitlist`, { token: service.tokenFor(u) })));
  t.deepEqual(
    answers.filter((a) => a.status !== 201).map((a) => a.status),
    [],
  );
  const positions = answers.map((a) => a.body.position as number).sort((x, y) => x - y);
  t.deepEqual(
    positions,
    Array.from({ length: 500 }, (_, i) => i + 1),
  );
  // Each answer's position is its entry's place in join order.
  const byId = [...answers].sort((x, y) => x.body.id - y.body.id);
  t.deepEqual(
    byId.map((a) => a.body.position),
    Array.from({ length: 500 }, (_, i) => i + 1),
  );
});
