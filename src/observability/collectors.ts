import type { Actors } from '../actors/system.js';
import type { Db } from '../db/knex.js';
import type { JobQueue } from '../queue/types.js';
import type { Metrics } from './metrics.js';

interface Sources {
  actors: Actors;
  db: Db;
  queues: JobQueue;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/** Gauges read at scrape time from the rooms that keep the numbers. */
export function registerCollectors(m: Metrics, { actors, db, queues }: Sources): void {
  m.gauge('schedule_actors', 'Schedule actors: live now, spawned and passivated since start (evicted: passivated early to stay under ACTOR_MAX_LIVE)', ['state'], (g) => {
    const s = actors.schedules.stats();
    g.set({ state: 'live' }, s.live);
    g.set({ state: 'spawned' }, s.spawned);
    g.set({ state: 'passivated' }, s.passivated);
    g.set({ state: 'evicted' }, s.evicted);
  });
  m.gauge('schedule_actor_mailbox_depth', 'Messages sent to schedule actors and not answered yet', [], (g) => g.set(actors.schedules.stats().inFlight));
  m.gauge('history_rows', 'History actor: rows buffered, spilled to disk, written; INSERT statements used', ['state'], (g) => {
    const s = actors.history.stats();
    g.set({ state: 'buffered' }, s.buffered);
    g.set({ state: 'spilled' }, s.spilledRows);
    g.set({ state: 'written' }, s.rowsWritten);
    g.set({ state: 'insert_statements' }, s.insertStatements);
  });
  m.gauge('history_last_flush', 'History actor: rows and milliseconds of the last batch', ['measure'], (g) => {
    const s = actors.history.stats();
    g.set({ measure: 'rows' }, s.lastBatchSize);
    g.set({ measure: 'ms' }, s.lastFlushMs);
  });
  m.gauge('expiry_ticks', 'Expiry ticks run and what they expired', ['measure'], (g) => {
    const s = actors.clock.stats();
    g.set({ measure: 'ticks' }, s.ticks);
    g.set({ measure: 'holds_expired' }, s.holdsExpired);
    g.set({ measure: 'reservations_expired' }, s.reservationsExpired);
    g.set({ measure: 'waitlists_closed' }, s.waitlistsClosed);
    g.set({ measure: 'last_tick_ms' }, s.lastTickMs);
  });
  m.gauge('db_pool_connections', 'Database pool connections by state', ['state'], (g) => {
    const pool = (db.client as { pool?: TarnPool }).pool;
    if (!pool) return;
    g.set({ state: 'used' }, pool.numUsed());
    g.set({ state: 'free' }, pool.numFree());
    g.set({ state: 'pending' }, pool.numPendingAcquires());
  });
  const queueCounts = lastKnown(() => queues.counts(), QUEUE_COUNTS_TIMEOUT_MS);
  m.gauge('queue_jobs', 'Jobs waiting, active, delayed and failed by queue (the last counts Redis gave when it does not answer in time)', ['queue', 'state'], async (g) => {
    for (const [queue, counts] of Object.entries(await queueCounts.read())) {
      for (const [state, n] of Object.entries(counts)) g.set({ queue, state }, n);
    }
  });
  m.gauge('queue_counts_age_seconds', 'How old the queue_jobs counts are: 0 when Redis answered this scrape', [], (g) => g.set(queueCounts.ageSeconds()));
}

/** A scrape never waits on Redis longer than this. */
const QUEUE_COUNTS_TIMEOUT_MS = 250;

/**
 * The value `read` gives within `timeoutMs`, else the last one it gave (empty before the first):
 * a scrape during a Redis outage answers at once with what was known. A read that is still out
 * is not started again.
 */
function lastKnown<T extends object>(read: () => Promise<T>, timeoutMs: number) {
  let value = {} as T;
  let at = 0;
  let inFlight: Promise<void> | undefined;
  return {
    async read(): Promise<T> {
      inFlight ??= read()
        .then(
          (v) => {
            value = v;
            at = Date.now();
          },
          () => undefined,
        )
        .finally(() => (inFlight = undefined));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([inFlight, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return value;
    },
    ageSeconds: () => (at === 0 ? 0 : Math.max(0, (Date.now() - at) / 1000)),
  };
}
