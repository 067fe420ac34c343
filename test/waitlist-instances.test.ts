import test from 'ava';
import Bull from 'bull';
import { createBullQueues } from '../src/queue/index.js';
import { createLogger } from '../src/logger.js';
import { WAITLIST_OFFERS, type WaitlistOffered } from '../src/queue/waitlist-offers.js';
import { bookPending, eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { dropRedisKeys, REDIS_URL, uniquePrefix } from './fixtures/instance.js';
import { within } from './helpers/wait.js';

/**
 * The offer under contention: two instances on one database, a cancel racing holds, two writers
 * freeing the same slot, a crash (rollback) around the freeing statement, the clock as the safety
 * net, and the offer on the Bull bus.
 */
let database: TestDatabase;
let a: TestService;
let b: TestService;

test.before(async () => {
  database = await createTestDatabase(30);
  // The load tests' settings for the per-user caps: two hundred users racing many rounds.
  const env = { HOLDS_PER_USER_PER_MINUTE: '100000' };
  a = await startTestService(database.db, env);
  b = await startTestService(database.db, env);
});

test.after.always(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

const schedule = (id: number) => database.db('schedules').where({ id }).first();
const entriesOf = (scheduleId: number) => database.db('waitlist_entries').where({ schedule_id: scheduleId }).orderBy('id');
const offersOf = async (scheduleId: number) => Number((await database.db('booking_events').where({ schedule_id: scheduleId, type: 'OFFERED' }).count({ n: '*' }))[0]!.n);

async function join(s: TestService, scheduleId: number, userIds: number[]): Promise<void> {
  for (const userId of userIds) {
    const res = await s.request('POST', `/schedules/${scheduleId}/waitlist`, { token: s.tokenFor(userId) });
    if (res.status !== 201) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

test.serial('a cancel racing 200 holds from non-waiters on two instances: the waiter gets the slot every time (50 rounds)', async (t) => {
  const crowd = await makeUsers(database.db, 200);
  const tokens = crowd.map((u, i) => (i % 2 ? b : a).tokenFor(u));
  for (let round = 0; round < 50; round += 1) {
    const scheduleId = await makeSchedule(database.db);
    const booked = await bookPending(database.db, a, { scheduleId });
    const [waiter] = (await makeUsers(database.db, 1)) as [number];
    await join(b, scheduleId, [waiter]);
    // Both instances have read the schedule before the race.
    await b.request('GET', `/schedules/${scheduleId}`);

    const [canceled, ...holds] = await Promise.all([
      a.request('POST', `/reservations/${booked.reservationId}/cancel`, { token: booked.token, body: { reason: 'race' } }),
      ...tokens.map((token, i) => (i % 2 ? b : a).request('POST', `/schedules/${scheduleId}/hold`, { token })),
    ]);
    t.is(canceled!.status, 200);
    const won = holds.filter((h) => h.status === 200).length;
    if (won !== 0 || holds.some((h) => h.status !== 409)) t.fail(`round ${round}: ${won} non-waiters got the slot; statuses ${[...new Set(holds.map((h) => h.status))]}`);
    const row = await schedule(scheduleId);
    if (row.status !== 'HOLD' || row.held_by !== waiter) t.fail(`round ${round}: ${row.status} held by ${row.held_by}, not the waiter ${waiter}`);
    if ((await offersOf(scheduleId)) !== 1) t.fail(`round ${round}: not exactly one offer`);
  }
  t.pass();
});

test.serial('two instances freeing the same slot at once make exactly one offer', async (t) => {
  for (let round = 0; round < 10; round += 1) {
    const scheduleId = await makeSchedule(database.db);
    const [holder, ...waiters] = await makeUsers(database.db, 3);
    t.is((await a.request('POST', `/schedules/${scheduleId}/hold`, { token: a.tokenFor(holder!) })).status, 200);
    await join(a, scheduleId, waiters);
    await b.request('GET', `/schedules/${scheduleId}`);
    // The hold lapses; both instances' actors and the holder's release race to free it.
    await database
      .db('schedules')
      .where({ id: scheduleId })
      .update({ hold_expires_at: new Date(Date.now() - 1000), version: database.db.raw('version + 1') });
    await Promise.all([
      a.actors.schedules.ask(scheduleId, { type: 'Expire' }),
      b.actors.schedules.ask(scheduleId, { type: 'Expire' }),
      b.request('DELETE', `/schedules/${scheduleId}/hold`, { token: b.tokenFor(holder!) }),
    ]);
    t.like(await schedule(scheduleId), { status: 'HOLD', held_by: waiters[0] });
    t.deepEqual(
      (await entriesOf(scheduleId)).map((e) => e.status),
      ['OFFERED', 'WAITING'],
    );
    t.is(await offersOf(scheduleId), 1);
    t.is(Number((await database.db('notifications').whereRaw(`(payload->>'scheduleId')::bigint = ?`, [scheduleId]).count({ n: '*' }))[0]!.n), 1);
  }
});

test.serial('the offered waiter reserves through the other instance; a non-waiter on either instance is refused', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const booked = await bookPending(database.db, a, { scheduleId });
  const [waiter, outsider] = (await makeUsers(database.db, 2)) as [number, number];
  await join(a, scheduleId, [waiter]);
  await b.request('GET', `/schedules/${scheduleId}`);
  t.is((await a.request('POST', `/reservations/${booked.reservationId}/cancel`, { token: booked.token, body: { reason: 'x' } })).status, 200);

  for (const s of [a, b]) t.is((await s.request('POST', `/schedules/${scheduleId}/hold`, { token: s.tokenFor(outsider) })).status, 409);
  const created = await b.request('POST', '/reservations', { token: b.tokenFor(waiter), body: { scheduleId, participants: 2 } });
  t.is(created.status, 201);
  t.like((await entriesOf(scheduleId))[0], { status: 'ACCEPTED' });
});

test.serial('a hold that skips the lapsed offer’s Expire is not granted over the waiters: the next waiter gets it', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder, sniper, ...waiters] = await makeUsers(database.db, 4);
  t.is((await a.request('POST', `/schedules/${scheduleId}/hold`, { token: a.tokenFor(holder!) })).status, 200);
  await join(a, scheduleId, waiters);
  t.is((await a.request('DELETE', `/schedules/${scheduleId}/hold`, { token: a.tokenFor(holder!) })).status, 204);
  t.like(await schedule(scheduleId), { held_by: waiters[0] });
  // The first offer lapses; instance b reads the lapsed hold before anything expires it.
  await database
    .db('schedules')
    .where({ id: scheduleId })
    .update({ hold_expires_at: new Date(Date.now() - 1000), version: database.db.raw('version + 1') });
  await b.actors.schedules.refresh(scheduleId);

  const sniped = await b.request('POST', `/schedules/${scheduleId}/hold`, { token: b.tokenFor(sniper!) });
  t.is(sniped.status, 409);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: waiters[1] });
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['EXPIRED', 'OFFERED'],
  );
});

test.serial('the free-up and the offer are one statement: any writer freeing the slot gets the waiter’s HOLD back, a rollback undoes both', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder, waiter] = (await makeUsers(database.db, 2)) as [number, number];
  t.is((await a.request('POST', `/schedules/${scheduleId}/hold`, { token: a.tokenFor(holder) })).status, 200);
  await join(a, scheduleId, [waiter]);
  const free = `UPDATE schedules SET status = 'AVAILABLE', held_by = NULL, hold_expires_at = NULL, version = version + 1 WHERE id = ? RETURNING status, held_by`;

  // A crash after the freeing statement and before its commit: neither the free-up nor the offer happened.
  await database.db
    .transaction(async (trx) => {
      const { rows } = await trx.raw(free, [scheduleId]);
      t.like(rows[0], { status: 'HOLD', held_by: waiter });
      throw new Error('crash');
    })
    .catch(() => undefined);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: holder });
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['WAITING'],
  );
  t.is(await offersOf(scheduleId), 0);
  t.is(Number((await database.db('notifications').where({ user_id: waiter }).count({ n: '*' }))[0]!.n), 0);

  const { rows } = await database.db.raw(free, [scheduleId]);
  t.like(rows[0], { status: 'HOLD', held_by: waiter });
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['OFFERED'],
  );
  t.is(await offersOf(scheduleId), 1);
});

test.serial('an offer that lapses where no actor watches it is passed on by the clock’s sweep', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder, ...waiters] = await makeUsers(database.db, 3);
  // A third instance makes the offer and goes away with its deadline timer.
  const gone = await startTestService(database.db);
  t.is((await gone.request('POST', `/schedules/${scheduleId}/hold`, { token: gone.tokenFor(holder!) })).status, 200);
  await join(gone, scheduleId, waiters);
  t.is((await gone.request('DELETE', `/schedules/${scheduleId}/hold`, { token: gone.tokenFor(holder!) })).status, 204);
  await gone.close();
  t.like(await schedule(scheduleId), { held_by: waiters[0] });
  await database
    .db('schedules')
    .where({ id: scheduleId })
    .update({ hold_expires_at: new Date(Date.now() - 1000), version: database.db.raw('version + 1') });

  await b.actors.clock.tick();
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: waiters[1] });
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['EXPIRED', 'OFFERED'],
  );
});

test.serial('with Redis, each offer is published once as a WaitlistOffered job on waitlist-offers, and marked published', async (t) => {
  const prefix = uniquePrefix('waitlist');
  const log = createLogger('silent');
  const queues = createBullQueues({ redisUrl: REDIS_URL, prefix, log });
  const s = await startTestService(database.db, { WAITLIST_PUBLISH_MS: '200' }, { queues });
  const consumer = new Bull<WaitlistOffered>(WAITLIST_OFFERS, REDIS_URL, { prefix });
  try {
    const scheduleId = await makeSchedule(database.db);
    // Earlier tests' offers are in the outbox too; this one is the one for this schedule.
    const received = new Promise<WaitlistOffered>((resolve) => void consumer.process(async (job) => (job.data.scheduleId === scheduleId ? resolve(job.data) : undefined)));
    const [holder, waiter] = (await makeUsers(database.db, 2)) as [number, number];
    t.is((await s.request('POST', `/schedules/${scheduleId}/hold`, { token: s.tokenFor(holder) })).status, 200);
    await join(s, scheduleId, [waiter]);
    t.is((await s.request('DELETE', `/schedules/${scheduleId}/hold`, { token: s.tokenFor(holder) })).status, 204);

    const message = await within('the WaitlistOffered job', 15_000, received);
    const row = await schedule(scheduleId);
    t.like(message, { type: 'WaitlistOffered', userId: waiter, scheduleId });
    t.is(new Date(message.offerExpiresAt).getTime(), new Date(row.hold_expires_at).getTime());
    // The job is added inside the outbox's transaction, which marks the row as it commits: a
    // consumer can hold the job a moment before that commit is visible.
    const published = async () => Boolean((await database.db('notifications').where({ id: message.notificationId }).first()).published_at);
    await eventually(published, 5_000);
    t.true(await published());
  } finally {
    await consumer.close();
    await s.close();
    await queues.close();
    await dropRedisKeys(prefix);
  }
});
