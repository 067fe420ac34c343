import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { signToken } from '../src/http/auth/jwt.js';
import { createScheduleCommandClient, isRejection, type ScheduleCommandClient } from '../src/queue/client.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { dropRedisKeys, REDIS_URL, startInstance, uniquePrefix, type Instance } from './fixtures/instance.js';

// Two real processes (`node --import tsx src/main.ts`) on one PostgreSQL database and one Redis.
const TICK_MS = 1000;
const prefix = uniquePrefix('instances');

let database: TestDatabase;
let instances: Instance[] = [];
let client: ScheduleCommandClient | undefined;

test.before(async () => {
  database = await createTestDatabase(5);
  const env = { DATABASE_URL: database.url, REDIS_URL, QUEUE_PREFIX: prefix, EXPIRY_TICK_MS: String(TICK_MS), JWT_SECRET: TEST_JWT_SECRET, DATABASE_POOL_MAX: '10' };
  const started = await Promise.allSettled([startInstance(env), startInstance(env)]);
  instances = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
});

test.after.always(async () => {
  await client?.close();
  await Promise.allSettled(instances.map((i) => i.stop()));
  await database?.drop();
  await dropRedisKeys(prefix);
});

interface TickLine {
  instance: number;
  slot: number;
}

const tickLines = (): TickLine[] =>
  instances.flatMap((inst, instance) =>
    inst.lines.filter((l) => (l.msg === 'expiry tick' || l.msg === 'expiry tick failed') && typeof l.slot === 'number').map((l) => ({ instance, slot: l.slot as number })),
  );

/**
 * Resolves with the first value `probe` gives other than undefined. It is run now and again each
 * time an instance prints (every tick logs a line once its work is written), never on a timer;
 * fails after `timeoutMs`.
 */
function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const outputs = instances.map((i) => i.child.stdout!);
    let settled = false;
    let probing = false;
    let again = false;
    const end = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const out of outputs) out.off('data', onOutput);
      fn();
    };
    const run = async () => {
      if (settled) return;
      if (probing) return void (again = true);
      probing = true;
      try {
        do {
          again = false;
          const value = await probe();
          if (value !== undefined) return end(() => resolve(value));
        } while (again && !settled);
      } catch (err) {
        end(() => reject(err));
      } finally {
        probing = false;
      }
    };
    // On the next turn: the fixture's own reader of this chunk has added its lines to `lines` by then.
    const onOutput = () => void setImmediate(() => void run());
    for (const out of outputs) out.on('data', onOutput);
    const timer = setTimeout(() => end(() => reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
    void run();
  });
}

test.serial('500 holds split between two instances: exactly one winner', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const users = await makeUsers(database.db, 500);
  const responses = await Promise.all(
    users.map(async (userId, i) => {
      const res = await fetch(`${instances[i % 2]!.url}/schedules/${scheduleId}/hold`, {
        method: 'POST',
        headers: { authorization: `Bearer ${signToken({ sub: userId, role: 'USER' }, TEST_JWT_SECRET, 3600)}` },
      });
      return { status: res.status, body: (await res.json()) as { code?: string } };
    }),
  );
  const winners = responses.flatMap((r, i) => (r.status === 200 ? [users[i]] : []));
  t.is(winners.length, 1);
  t.is(responses.filter((r) => r.status === 409 && r.body.code === 'SCHEDULE_NOT_AVAILABLE').length, 499);
  const row = await database.db('schedules').where('id', scheduleId).first();
  t.is(row.status, 'HOLD');
  t.is(row.held_by, winners[0]);
});

test.serial('two instances on one Redis: over 3 tick periods, exactly 3 tick runs in total, each slot once', async (t) => {
  // The repeat starts on a slot boundary; take the first tick seen after start-up as the origin.
  const first = await until('a first tick', 15_000, () => tickLines()[0]);
  const last = first.slot + 3 * TICK_MS;
  await until('three more tick periods', 15_000, () => (tickLines().some((l) => l.slot >= last) ? true : undefined));
  // A bounded wait on purpose: time for a duplicate run of the last slot, if there were one, to
  // report. It proves a negative, which no event announces.
  await sleep(TICK_MS / 2);
  const lines = tickLines();
  const window = lines.filter((l) => l.slot > first.slot && l.slot <= last);
  t.is(window.length, 3, JSON.stringify(lines));
  t.deepEqual(window.map((l) => l.slot).sort(), [first.slot + TICK_MS, first.slot + 2 * TICK_MS, last]);
  const slots = lines.map((l) => l.slot);
  t.is(new Set(slots).size, slots.length, 'no slot ran on both instances');
  t.log(`ticks per instance: ${instances.map((_, i) => lines.filter((l) => l.instance === i).length).join(' / ')}`);
});

test.serial('two instances: a lapsed hold left by a passivated or restarted actor is expired by a tick on one of them', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  await database
    .db('schedules')
    .where('id', scheduleId)
    .update({ status: 'HOLD', held_by: userId, hold_expires_at: new Date(Date.now() - 1000), version: 1 });
  const status = async () => (await database.db('schedules').where('id', scheduleId).first()).status as string;
  t.is(await until('the hold to expire', 10_000, async () => ((await status()) === 'AVAILABLE' ? 'AVAILABLE' : undefined)), 'AVAILABLE');
});

test.serial('two instances: the command bus answers a Hold from another service, and HTTP on either instance sees it', async (t) => {
  client = createScheduleCommandClient({ redisUrl: REDIS_URL, prefix });
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const reply = await client.send({ type: 'Hold', scheduleId, userId }, { timeoutMs: 10_000 });
  if (isRejection(reply)) return t.fail(JSON.stringify(reply));
  t.is(reply.status, 'HOLD');
  for (const instance of instances) {
    const view = (await (await fetch(`${instance.url}/schedules/${scheduleId}`)).json()) as { status: string; holdExpiresAt: string };
    t.is(view.status, 'HOLD');
    t.is(view.holdExpiresAt, reply.holdExpiresAt);
  }
});

test.serial('two instances: SIGTERM stops each cleanly (queues, clock and actors closed, exit 0)', async (t) => {
  await client?.close();
  client = undefined;
  const codes = await Promise.all(instances.map((i) => i.stop()));
  t.deepEqual(codes, [0, 0]);
  for (const instance of instances) t.true(instance.lines.some((l) => l.msg === 'shutting down'));
});
