import test from 'ava';
import { listTimeline } from '../src/db/repositories/history.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeSchedules, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

/**
 * Booking events are part of the transition they record: written by the same statement, so they
 * are there the moment the answer is, with no history flush, and a transition that loses its
 * compare-and-set writes none.
 */
let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase(10);
  service = await startTestService(database.db, { HISTORY_FLUSH_MS: '3600000', HISTORY_BATCH_SIZE: '100000' });
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const eventsOf = (ids: number[]) => database.db('booking_events').whereIn('schedule_id', ids).select('schedule_id', 'user_id', 'reservation_id', 'type');

test('concurrent holds (grouped into one statement), races and reservations: each answer has exactly its event, before any flush', async (t) => {
  const schedules = await makeSchedules(database.db, 120);
  const users = await makeUsers(database.db, 240);
  const tokens = users.map((u) => service.tokenFor(u));
  // Two users race for each schedule: one wins, one loses.
  const answers = await Promise.all(schedules.flatMap((id, i) => [0, 1].map((k) => service.request('POST', `/schedules/${id}/hold`, { token: tokens[2 * i + k]! }))));
  const wins = answers.filter((a) => a.status === 200).length;
  t.is(wins, schedules.length);
  const reserved = await Promise.all(
    schedules.slice(0, 30).map(async (id) => {
      const holder = (await database.db('schedules').where({ id }).first()).held_by as number;
      const res = await service.request('POST', '/reservations', { token: service.tokenFor(holder), body: { scheduleId: id, participants: 2 } });
      return { id, holder, reservationId: res.body.id as number, status: res.status };
    }),
  );
  t.true(reserved.every((r) => r.status === 201));

  const events = await eventsOf(schedules);
  const held = events.filter((e) => e.type === 'HELD');
  t.is(held.length, schedules.length, 'one HELD per winning hold, none for the losers');
  t.true(held.every((e) => e.reservation_id === null));
  const reservedEvents = events.filter((e) => e.type === 'RESERVED');
  t.deepEqual(
    reservedEvents.map((e) => [e.schedule_id, e.user_id, e.reservation_id]).sort(),
    reserved.map((r) => [r.id, r.holder, r.reservationId]).sort(),
    'each RESERVED names its new reservation and its user',
  );
  t.is(service.actors.history.stats().rowsWritten, 0, 'nothing went through the history actor');
});

test.serial('listTimeline: the reservation events plus the same user’s holds and releases of the schedule in the hour before, in time order', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [userId, other] = (await makeUsers(database.db, 2)) as [number, number];
  const [row] = await database
    .db('reservations')
    .insert({ schedule_id: scheduleId, user_id: userId, status: 'PENDING', order_id: `ord-timeline-${scheduleId}`, amount: 50000, participants: 2, expires_at: new Date(Date.now() + 600_000) })
    .returning(['id', 'created_at']);
  const r = { id: row.id as number, scheduleId, userId, createdAt: row.created_at as Date };
  const at = (minutesBefore: number) => new Date(r.createdAt.getTime() - minutesBefore * 60_000);
  const e = (type: string, minutesBefore: number, over: Partial<{ userId: number; reservationId: number | null }> = {}) => ({
    schedule_id: r.scheduleId,
    user_id: over.userId ?? r.userId,
    reservation_id: over.reservationId === undefined ? null : over.reservationId,
    type,
    at: at(minutesBefore),
  });
  await database.db('booking_events').insert([
    e('HELD', 90), // too early
    e('HELD', 50),
    e('RELEASED', 40),
    e('HELD', 10, { userId: other }), // someone else
    e('HELD', 5),
    e('EXPIRED', 30), // not a hold or release
    e('RESERVED', 0, { reservationId: r.id }),
    e('PAYMENT_DECLINED', -5, { reservationId: r.id }),
  ]);
  const timeline = await listTimeline(database.db, r);
  t.deepEqual(
    timeline.map((x) => [x.type, Math.round((r.createdAt.getTime() - x.at.getTime()) / 60_000)]),
    [
      ['HELD', 50],
      ['RELEASED', 40],
      ['HELD', 5],
      ['RESERVED', 0],
      ['PAYMENT_DECLINED', -5],
    ],
  );
});
