import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedules, makeUsers } from './helpers/fixtures.js';
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
