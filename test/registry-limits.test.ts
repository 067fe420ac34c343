import test from 'ava';
import { randomBytes } from 'node:crypto';
import { start, stop, type ActorSystemRef } from 'nact';
import { getSchedule, holdSchedule, ScheduleRegistry } from '../src/actors/schedule/index.js';
import { scheduleStore } from '../src/db/repositories/schedule-store.js';
import { releaseAfterPassivation, releaseMemory } from '../src/runtime/memory.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedules, makeUsers } from './helpers/fixtures.js';
import { within } from './helpers/wait.js';

let database: TestDatabase;

test.before(async () => {
  database = await createTestDatabase(6);
});

test.after.always(async () => {
  await database?.drop();
});

/** A registry on its own actor system (shard names are per system), stopped with the test. */
function registryWith(t: { teardown: (fn: () => void) => void }, maxLive: number): ScheduleRegistry {
  const system: ActorSystemRef = start();
  const registry = new ScheduleRegistry(
    system,
    { store: scheduleStore(database.db), holdTtlMs: 300_000, pendingTtlMs: 600_000, staleMs: 1_000, newOrderId: (id) => `rsv-${id}-${randomBytes(9).toString('base64url')}` },
    { shards: 2, idleMs: 60_000, askTimeoutMs: 5_000, maxLive, evictUnusedForMs: 0 },
  );
  t.teardown(() => {
    registry.stop();
    stop(system);
  });
  return registry;
}

test('live cap: touching more schedules than ACTOR_MAX_LIVE keeps the live actors at the cap, oldest passivated first', async (t) => {
  const registry = registryWith(t, 10);
  const ids = await makeSchedules(database.db, 25);
  for (const id of ids) t.true((await getSchedule(registry, id)).ok);
  const stats = registry.stats();
  t.is(stats.live, 10);
  t.is(stats.spawned, 25);
  t.is(stats.evicted, 15);
});

test('live cap: a schedule whose actor was passivated early answers from the database, its hold intact', async (t) => {
  const registry = registryWith(t, 3);
  const [first, ...others] = await makeSchedules(database.db, 6);
  const [alice, bob] = (await makeUsers(database.db, 2)) as [number, number];
  t.true((await holdSchedule(registry, { scheduleId: first!, userId: alice })).ok);
  for (const id of others) await getSchedule(registry, id);
  t.true(registry.stats().evicted > 0, 'the first actor was passivated to make room');
  const again = await holdSchedule(registry, { scheduleId: first!, userId: bob });
  t.deepEqual(again, { ok: false, code: 'SCHEDULE_NOT_AVAILABLE' });
});

test('memory release: runs once enough actors were passivated, and a wave inside the interval gets one more run when it ends', async (t) => {
  const runs: number[] = [];
  let ran: () => void = () => undefined;
  const release = async () => {
    runs.push(Date.now());
    ran();
    return { heapBefore: 0, heapAfter: 0, ms: 0 };
  };
  const afterPassivation = releaseAfterPassivation({ threshold: 100, minIntervalMs: 200, onError: () => undefined, release });
  afterPassivation(60);
  t.is(runs.length, 0, 'under the threshold');
  afterPassivation(60);
  t.is(runs.length, 1);
  const second = new Promise<void>((resolve) => (ran = resolve));
  afterPassivation(150);
  afterPassivation(150);
  t.is(runs.length, 1, 'inside the interval: deferred, once');
  await within('the deferred release', 2_000, second);
  t.is(runs.length, 2);
  t.true(runs[1]! - runs[0]! >= 190);
});

test('memory release: collects garbage and gives back heap', async (t) => {
  let garbage: { n: number; s: string }[] | null = Array.from({ length: 300_000 }, (_, n) => ({ n, s: `row-${n}` }));
  t.is(garbage.length, 300_000);
  // eslint-disable-next-line no-useless-assignment -- dropping the only reference is the point
  garbage = null;
  const before = process.memoryUsage().heapUsed;
  await releaseMemory();
  t.true(process.memoryUsage().heapUsed < before - 5_000_000, `heap used ${before} -> ${process.memoryUsage().heapUsed}`);
});
