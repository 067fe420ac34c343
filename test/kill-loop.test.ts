import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../src/http/auth/jwt.js';
import { eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { cheapUsers, makeSchedules, TEST_PASSWORD } from './helpers/fixtures.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { startInstance, type Instance } from './fixtures/instance.js';

/**
 * kill -9 under load, KILLS times, restarting on the same data directory each time. Every login
 * that was answered (200/401) has exactly one login_history row once the last instance is up, and
 * every hold and reservation that was answered has its booking event: nothing answered lives
 * only in memory.
 */
const KILLS = 3;
const LOAD_MS = 2_000;

let database: TestDatabase;
let dataDir: string;
const instances: Instance[] = [];

test.before(async () => {
  database = await createTestDatabase(5);
  dataDir = mkdtempSync(join(tmpdir(), 'roomescape-kill-'));
});

test.after.always(async () => {
  await Promise.allSettled(instances.map((i) => i.stop()));
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = async () => {
  // A long flush interval: rows would sit in memory for the whole cycle without the journal and in-statement events.
  const instance = await startInstance({
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: dataDir,
    REDIS_URL: '',
    DATABASE_POOL_MAX: '5',
    HISTORY_FLUSH_MS: '60000',
    HISTORY_BATCH_SIZE: '100000',
  });
  instances.push(instance);
  return instance;
};

test.serial(`kill -9 ${KILLS} times under login and booking load: every answered login and booking has its row`, async (t) => {
  t.timeout(120_000);
  const users = await cheapUsers(database.db, 10, 'kill');
  const schedules = await makeSchedules(database.db, 5_000);
  const run = randomBytes(4).toString('hex');
  const logins: string[] = [];
  const holds: { scheduleId: number; userId: number }[] = [];
  const reservations: number[] = [];
  let next = 0;

  for (let cycle = 0; cycle < KILLS; cycle += 1) {
    const instance = await start();
    let stopped = false;
    const loginLoop = async (w: number) => {
      const { email } = users[w % users.length]!;
      for (let n = 0; !stopped; n += 1) {
        const agent = `kill-${run}-c${cycle}-w${w}-n${n}`;
        try {
          const res = await fetch(`${instance.url}/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': agent },
            body: JSON.stringify({ email, password: n % 4 === 3 ? 'wrong-password' : TEST_PASSWORD }),
          });
          await res.arrayBuffer();
          if (res.status === 200 || res.status === 401) logins.push(agent);
        } catch {
          return;
        }
      }
    };
    const bookingLoop = async (w: number) => {
      const user = users[w % users.length]!;
      const token = signToken({ sub: user.id, role: 'USER' }, TEST_JWT_SECRET, 3600);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      while (!stopped && next < schedules.length) {
        const scheduleId = schedules[next++]!;
        try {
          const held = await fetch(`${instance.url}/schedules/${scheduleId}/hold`, { method: 'POST', headers });
          await held.arrayBuffer();
          if (held.status !== 200) continue;
          holds.push({ scheduleId, userId: user.id });
          const reserved = await fetch(`${instance.url}/reservations`, { method: 'POST', headers, body: JSON.stringify({ scheduleId, participants: 2 }) });
          const body = (await reserved.json()) as { id?: number };
          if (reserved.status === 201 && body.id) reservations.push(body.id);
        } catch {
          return;
        }
      }
    };
    const loops = Promise.all([...Array.from({ length: 8 }, (_, w) => loginLoop(w)), ...Array.from({ length: 4 }, (_, w) => bookingLoop(w))]);
    await new Promise((r) => setTimeout(r, LOAD_MS));
    instance.child.kill('SIGKILL');
    stopped = true;
    await loops;
  }

  // The last start replays what the killed runs journaled; then a clean stop writes the rest.
  const last = await start();
  const rowsOf = async () => {
    const rows: { user_agent: string }[] = await database.db('login_history').where('user_agent', 'like', `kill-${run}-%`).select('user_agent');
    return rows.map((r) => r.user_agent);
  };
  await eventually(async () => {
    const have = new Set(await rowsOf());
    return logins.every((l) => have.has(l));
  }, 20_000).catch(() => undefined);
  t.is(await last.stop(), 0);

  const rows = await rowsOf();
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r, (counts.get(r) ?? 0) + 1);
  const events: { schedule_id: number; user_id: number; type: string; reservation_id: number | null }[] = await database
    .db('booking_events')
    .whereIn(
      'schedule_id',
      holds.map((h) => h.scheduleId),
    )
    .select('schedule_id', 'user_id', 'type', 'reservation_id');
  const heldEvents = new Set(events.filter((e) => e.type === 'HELD').map((e) => `${e.schedule_id}:${e.user_id}`));
  const reservedEvents = new Set(events.filter((e) => e.type === 'RESERVED').map((e) => e.reservation_id));
  const missingLogins = logins.filter((l) => !counts.has(l));
  const missingHolds = holds.filter((h) => !heldEvents.has(`${h.scheduleId}:${h.userId}`));
  const missingReservations = reservations.filter((r) => !reservedEvents.has(r));
  t.log(
    `${KILLS} kills: ${logins.length} answered logins, ${rows.length} rows (${missingLogins.length} missing); ${holds.length} holds, ${reservations.length} reservations (${missingHolds.length} + ${missingReservations.length} events missing)`,
  );
  t.true(logins.length > 0 && holds.length > 0 && reservations.length > 0, 'the load ran');
  t.deepEqual(missingLogins.slice(0, 5), [], 'every answered login has its row');
  t.deepEqual([...counts].filter(([, n]) => n > 1).slice(0, 5), [], 'and only one');
  t.deepEqual(missingHolds.slice(0, 5), [], 'every answered hold has its HELD event');
  t.deepEqual(missingReservations.slice(0, 5), [], 'every answered reservation has its RESERVED event');
});
