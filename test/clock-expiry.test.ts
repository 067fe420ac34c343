import test from 'ava';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { start, stop, type ActorSystemRef } from 'nact';
import { pino } from 'pino';
import { startClock, type Clock, type TickResult } from '../src/actors/clock/index.js';
import { createReservation, holdSchedule, ScheduleRegistry } from '../src/actors/schedule/index.js';
import { scheduleStore } from '../src/db/repositories/schedule-store.js';
import { createLogger } from '../src/logger.js';
import { createBullQueues, createInProcessQueues, type JobQueue } from '../src/queue/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { dropRedisKeys, REDIS_URL, uniquePrefix } from './fixtures/instance.js';
import { within } from './helpers/wait.js';

const log = createLogger('silent');
const HOUR = 3_600_000;

let database: TestDatabase;
let system: ActorSystemRef;
let registry: ScheduleRegistry;
let queues: JobQueue;
let clock: Clock;
let user: number;
const extras: { clock: Clock; queues: JobQueue; prefix?: string }[] = [];

test.before(async () => {
  database = await createTestDatabase(10);
  system = start();
  registry = new ScheduleRegistry(
    system,
    { store: scheduleStore(database.db), holdTtlMs: 300_000, pendingTtlMs: 600_000, staleMs: 1_000, newOrderId: (id) => `rsv-${id}-${randomBytes(9).toString('base64url')}` },
    { shards: 4, idleMs: 60_000, askTimeoutMs: 5_000 },
  );
  queues = createInProcessQueues(log);
  // A clock that would not tick by itself during the run: the tests tick it.
  clock = startClock(system, { db: database.db, registry, everyMs: HOUR, log, queues });
  [user] = (await makeUsers(database.db, 1)) as [number];
});

test.after.always(async () => {
  for (const extra of extras) {
    await extra.clock.stop();
    await extra.queues.close();
    if (extra.prefix) await dropRedisKeys(extra.prefix);
  }
  await clock?.stop();
  await queues?.close();
  registry?.stop();
  if (system) stop(system);
  await database?.drop();
});

const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

async function holdRow(scheduleId: number, holdExpiresAt: Date): Promise<void> {
  await database
    .db('schedules')
    .where('id', scheduleId)
    .update({ status: 'HOLD', held_by: user, hold_expires_at: holdExpiresAt, version: database.db.raw('version + 1') });
}

async function reservationRow(scheduleId: number, status: string, expiresAt: Date): Promise<number> {
  const [row] = await database
    .db('reservations')
    .insert({ schedule_id: scheduleId, user_id: user, status, order_id: `rsv-${scheduleId}-${randomBytes(6).toString('hex')}`, amount: 25_000, participants: 2, expires_at: expiresAt })
    .returning('id');
  return row.id;
}

const scheduleOf = (id: number) => database.db('schedules').where('id', id).first();
const reservationOf = (id: number) => database.db('reservations').where('id', id).first();

test.serial('Tick: a hold past its deadline with no reservation is expired, and the schedule is AVAILABLE again', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  await holdRow(scheduleId, ago(1_000));
  const result = await clock.tick();
  t.is(result?.holdsExpired, 1);
  const schedule = await scheduleOf(scheduleId);
  t.is(schedule.status, 'AVAILABLE');
  t.is(schedule.held_by, null);
  t.is(schedule.hold_expires_at, null);
});

test.serial('Tick: the waiting list of a slot that has started ends (EXPIRED); one of a slot still ahead keeps waiting', async (t) => {
  const started = await makeSchedule(database.db);
  const upcoming = await makeSchedule(database.db);
  const [waiter] = (await makeUsers(database.db, 1)) as [number];
  for (const id of [started, upcoming]) {
    await holdRow(id, ahead(HOUR));
    await database.db('waitlist_entries').insert({ schedule_id: id, user_id: waiter, offer_ttl_ms: 60_000, max_holds: 2 });
  }
  await database
    .db('schedules')
    .where('id', started)
    .update({ starts_at: ago(60_000) });
  const result = await clock.tick();
  t.is(result?.waitlistsClosed, 1);
  const status = async (id: number) => (await database.db('waitlist_entries').where({ schedule_id: id }).first()).status;
  t.is(await status(started), 'EXPIRED');
  t.is(await status(upcoming), 'WAITING');
});

test.serial('Tick: a PENDING reservation past expiresAt is EXPIRED and its schedule becomes AVAILABLE', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  await holdRow(scheduleId, ago(1_000));
  const reservationId = await reservationRow(scheduleId, 'PENDING', ago(1_000));
  const result = await clock.tick();
  t.is(result?.reservationsExpired, 1);
  t.is(result?.holdsExpired, 0);
  t.is((await reservationOf(reservationId)).status, 'EXPIRED');
  t.is((await scheduleOf(scheduleId)).status, 'AVAILABLE');
});

test.serial('Tick: a reservation created just before the tick is not expired by it', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const held = await holdSchedule(registry, { scheduleId, userId: user });
  t.true(held.ok);
  const created = await createReservation(registry, { scheduleId, userId: user, participants: 2 });
  if (!created.ok) return t.fail(JSON.stringify(created));
  const result = await clock.tick();
  t.is(result?.reservationsExpired, 0);
  t.is(result?.holdsExpired, 0);
  t.is((await reservationOf(created.reservation.id)).status, 'PENDING');
  const schedule = await scheduleOf(scheduleId);
  t.is(schedule.status, 'HOLD');
  t.is(schedule.held_by, user);
});

test.serial('Tick: a hold whose deadline is still ahead is left alone', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  await holdRow(scheduleId, ahead(2_000));
  const result = await clock.tick();
  t.is(result?.holdsExpired, 0);
  t.is((await scheduleOf(scheduleId)).status, 'HOLD');
});

test.serial('Tick: a reservation in PAYMENT_IN_PROGRESS is never touched, even far past its deadline', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  await holdRow(scheduleId, ago(HOUR));
  const reservationId = await reservationRow(scheduleId, 'PAYMENT_IN_PROGRESS', ago(HOUR));
  const before = await scheduleOf(scheduleId);
  const result = await clock.tick();
  t.is(result?.holdsExpired, 0);
  t.is(result?.reservationsExpired, 0);
  t.is((await reservationOf(reservationId)).status, 'PAYMENT_IN_PROGRESS');
  const after = await scheduleOf(scheduleId);
  t.is(after.status, 'HOLD');
  t.is(after.version, before.version);
});

test.serial('Tick: pages through more due work than one page holds', async (t) => {
  const ids = await Promise.all(Array.from({ length: 12 }, () => makeSchedule(database.db)));
  for (const id of ids) await holdRow(id, ago(1_000));
  const paged = startClock(start(), { db: database.db, registry, everyMs: HOUR, log, pageSize: 5, concurrency: 3 });
  extras.push({ clock: paged, queues: createInProcessQueues(log) });
  const result = await paged.tick();
  t.is(result?.holdsExpired, 12);
  const rows = await database.db('schedules').whereIn('id', ids).select('status');
  t.true(rows.every((r) => r.status === 'AVAILABLE'));
});

test.serial('stats: counts ticks, their duration, and what they expired', async (t) => {
  const before = clock.stats();
  const scheduleId = await makeSchedule(database.db);
  await holdRow(scheduleId, ago(1_000));
  await clock.tick();
  const after = clock.stats();
  t.is(after.ticks, before.ticks + 1);
  t.is(after.holdsExpired, before.holdsExpired + 1);
  t.is(typeof after.lastTickMs, 'number');
  t.false(after.running);
});

/** Resolves with the first tick to end (from now on) for which `done` holds; fails after `timeoutMs`. */
function tickWhere(clock: Clock, what: string, done: (result: TickResult) => boolean, timeoutMs = 10_000): Promise<TickResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const off = clock.onTick((result) => {
      if (!done(result)) return;
      clearTimeout(timer);
      off();
      resolve(result);
    });
  });
}

/** The `n`th tick to end from now on. */
const ticks = (clock: Clock, n: number) => {
  let seen = 0;
  return tickWhere(clock, `${n} ticks`, () => (seen += 1) >= n);
};

/** A tick that started after `at` (epoch ms), so its queries saw everything committed before `at`. */
const tickStartedAfter = (clock: Clock, at: number) => tickWhere(clock, 'a tick started after the write', (r) => r.startedAt.getTime() > at);

test.serial('a crashed clock resumes with its counters and keeps ticking on its own', async (t) => {
  const messages: string[] = [];
  let logged!: () => void;
  const firstMessage = new Promise<void>((resolve) => (logged = resolve));
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      messages.push(JSON.parse(String(chunk)).msg);
      logged();
      done();
    },
  });
  const own = createInProcessQueues(log);
  const fast = startClock(start(), { db: database.db, registry, everyMs: 40, log: pino({ level: 'error' }, sink), queues: own });
  extras.push({ clock: fast, queues: own });
  t.is(fast.mode, 'self');
  // Nobody calls tick() on this clock: every tick awaited here is one it timed itself.
  await ticks(fast, 2);
  const before = fast.stats();
  t.true(before.ticks >= 2, `${before.ticks} ticks before the crash`);
  fast.crashForTest();
  await within('the crash to be logged', 1000, firstMessage);
  const atCrash = fast.stats();
  t.deepEqual(messages, ['clock actor crashed; resuming it']);
  t.true(atCrash.ticks >= before.ticks, 'counters survive the crash');
  await ticks(fast, 3);
  const after = fast.stats();
  t.true(after.ticks >= atCrash.ticks + 3, `${after.ticks - atCrash.ticks} ticks after the crash`);
  const scheduleId = await makeSchedule(database.db);
  await holdRow(scheduleId, ago(1_000));
  await tickStartedAfter(fast, Date.now());
  t.is((await scheduleOf(scheduleId)).status, 'AVAILABLE', 'a tick after the crash expired a new lapsed hold');
});

test.serial('with a shared (Bull) queue the clock is driven by its repeat, and stops cleanly', async (t) => {
  const prefix = uniquePrefix('clock');
  const bull = createBullQueues({ redisUrl: REDIS_URL, prefix, log });
  const driven = startClock(start(), { db: database.db, registry, everyMs: 200, log, queues: bull });
  extras.push({ clock: driven, queues: bull, prefix });
  t.is(driven.mode, 'driven');
  // Listening from start-up, as the counters count: no tick is missed while the repeat registers.
  let seen = 0;
  const twoTicks = tickWhere(driven, '2 ticks', () => (seen += 1) >= 2);
  twoTicks.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  await bull.ready();
  const scheduleId = await makeSchedule(database.db);
  await holdRow(scheduleId, ago(1_000));
  await Promise.all([twoTicks, tickStartedAfter(driven, Date.now())]);
  const stats = driven.stats();
  t.true(stats.ticks >= 2, `${stats.ticks} ticks`);
  t.is((await scheduleOf(scheduleId)).status, 'AVAILABLE');
});
