/**
 * Bytes per live schedule actor, measured the only clean way: in a process of its own with
 * `--expose-gc`, the heap used after a full collection before and after N actors are alive.
 * The actors are the service's (registry, nact actor, published state of a held schedule); their
 * store is an in-memory stand-in, so no database or HTTP garbage is counted.
 * Prints one JSON line: { actors, bytesPerActor, spawnedPerSecond }.
 */
import { start, stop } from 'nact';
import { getSchedule, holdSchedule, ScheduleRegistry } from '../../../src/actors/schedule/index.js';
import type { ScheduleAggregate, ScheduleStore } from '../../../src/actors/schedule/model.js';

const ACTORS = Number(process.argv[2] ?? 20_000);
const gc =
  (globalThis as { gc?: () => void }).gc ??
  ((): never => {
    throw new Error('run with --expose-gc');
  });

const rows = new Map<number, ScheduleAggregate>();
const store: ScheduleStore = {
  async load(id) {
    let agg = rows.get(id);
    if (!agg) {
      agg = {
        schedule: { id, themeId: 1, date: '2099-01-01', startTime: '10:00', startsAt: new Date('2099-01-01T01:00:00Z'), status: 'AVAILABLE', heldBy: null, holdExpiresAt: null, version: 0 },
        terms: { price: 30_000, minPlayers: 2, maxPlayers: 6 },
        reservation: null,
      };
      rows.set(id, agg);
    }
    return agg;
  },
  async commit(t) {
    const agg = rows.get(t.scheduleId)!;
    if (agg.schedule.version !== t.version) return null;
    const schedule = { ...agg.schedule, ...t.schedule, version: t.version + 1 };
    rows.set(t.scheduleId, { ...agg, schedule });
    return { schedule, reservation: null, refund: null, attemptId: null };
  },
} as ScheduleStore;

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const system = start();
const registry = new ScheduleRegistry(
  system,
  { store, holdTtlMs: 3_600_000, pendingTtlMs: 600_000, staleMs: 3_600_000, newOrderId: (id) => `rsv-${id}` },
  { shards: 64, idleMs: 3_600_000, askTimeoutMs: 60_000 },
);
// Warm the code paths and the shards first, so the measurement holds actors only.
for (let id = 1; id <= 1_000; id += 1) await getSchedule(registry, id);
// The store's rows are not the actors' memory: create them all before the baseline.
for (let id = 10_001; id < 10_001 + ACTORS; id += 1) await store.load(id);
const before = heap();
const t0 = performance.now();
const batch: Promise<unknown>[] = [];
for (let id = 10_001; id < 10_001 + ACTORS; id += 1) {
  // Half held (a hold and its deadline timer), half only read: as in the actors-100k load.
  batch.push(id % 2 ? holdSchedule(registry, { scheduleId: id, userId: 7 }) : getSchedule(registry, id));
  if (batch.length >= 500) await Promise.all(batch.splice(0));
}
await Promise.all(batch);
const seconds = (performance.now() - t0) / 1000;
const after = heap();
if (registry.stats().live < ACTORS) throw new Error(`only ${registry.stats().live} actors alive`);
process.stdout.write(`${JSON.stringify({ actors: ACTORS, bytesPerActor: Math.round((after - before) / ACTORS), spawnedPerSecond: Math.round(ACTORS / seconds) })}\n`);
registry.stop();
stop(system);
