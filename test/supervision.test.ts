import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { eventually } from './helpers/booking.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

// This file breaks its own database on purpose, so it has one to itself and runs serially.
let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase(5);
  service = await startTestService(database.db, { HOLD_TTL_MS: '600' });
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

test.serial('a schedule actor that crashes answers the message that crashed it, restarts, and reads its state back', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  const token = service.tokenFor(user!);
  await database.db.raw('ALTER TABLE reservations RENAME TO reservations_away');
  let crashed;
  try {
    const started = Date.now();
    crashed = await service.request('POST', `/schedules/${id}/hold`, { token });
    t.true(Date.now() - started < 2_000, 'the request did not hang');
  } finally {
    await database.db.raw('ALTER TABLE reservations_away RENAME TO reservations');
  }
  t.is(crashed.status, 500);
  t.deepEqual(crashed.body, { code: 'INTERNAL_ERROR', message: 'something went wrong on our side' });
  const held = await service.request('POST', `/schedules/${id}/hold`, { token });
  t.is(held.status, 200);
  t.is((await database.db('schedules').where({ id }).first()).held_by, user);
});

test.serial('a live schedule actor expires its hold within a second of the deadline, with no tick', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  const held = await service.request('POST', `/schedules/${id}/hold`, { token: service.tokenFor(user!) });
  t.is(held.status, 200);
  const deadline = Date.parse(held.body.holdExpiresAt);
  await eventually(async () => (await database.db('schedules').where({ id }).first()).status === 'AVAILABLE', 5_000, 10);
  const lateBy = Date.now() - deadline;
  t.true(lateBy >= 0, 'not before the deadline');
  t.true(lateBy < 1_000, `expired ${lateBy} ms after the deadline`);
  await service.actors.history.flush();
  const events = await database.db('booking_events').where({ schedule_id: id }).orderBy('id');
  t.deepEqual(
    events.map((e: { type: string }) => e.type),
    ['HELD', 'EXPIRED'],
  );
});
