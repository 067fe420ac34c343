import '../runtime/nact-immediate.js';
import { randomBytes } from 'node:crypto';
import { start, stop, type ActorSystemRef } from 'nact';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/types.js';
import { startClock, type Clock } from './clock/index.js';
import { createHistory, type History } from './history/index.js';
import { scheduleStore } from '../db/repositories/schedule-store.js';
import type { ScheduleRow } from './schedule/model.js';
import { ScheduleRegistry, type AnyReply, type ScheduleActorDeps, type ScheduleMessage } from './schedule/index.js';
import { releaseAfterPassivation } from '../runtime/memory.js';

export interface Actors {
  schedules: ScheduleRegistry;
  history: History;
  clock: Clock;
  /**
   * Writes what the history actor holds (waiting at most `historyTimeoutMs` for the database before
   * saving it to disk instead), then stops every actor.
   */
  stop(options?: { historyTimeoutMs?: number }): Promise<void>;
  /** Out of time: the history goes to disk whatever the database does, and nothing waits on it. */
  abandon(): Promise<void>;
}

/** A unique order id of Toss's alphabet ([A-Za-z0-9_-], 6-64 chars) that also says which schedule it is for. */
export const newOrderId = (scheduleId: number): string => `rsv-${scheduleId}-${randomBytes(12).toString('base64url')}`;

export interface ActorHooks {
  /** Every schedule actor answer, for metrics. */
  onReply?: (command: ScheduleMessage, reply: AnyReply) => void;
  /** Every schedule row a schedule actor commits. */
  onCommitted?: (schedule: ScheduleRow) => void;
  /** The per-user rate of granted holds. */
  holdQuota?: ScheduleActorDeps['holdQuota'];
}

/** `queues`: when shared (Redis), the expiry tick is their repeat, once across instances; otherwise the clock times itself. */
export function startActors(config: Config, db: Db, log: Logger, queues?: JobQueue, hooks: ActorHooks = {}): Actors {
  const system: ActorSystemRef = start();
  const history = createHistory(system, { db, config, log });
  const schedules = new ScheduleRegistry(
    system,
    {
      store: scheduleStore(db, 100, { maxHolds: config.maxActiveHoldsPerUser, maxUnpaid: config.maxPendingPerUser }),
      holdQuota: hooks.holdQuota,
      holdTtlMs: config.holdTtlMs,
      pendingTtlMs: config.pendingTtlMs,
      staleMs: config.actorStaleMs,
      newOrderId,
      onReply: hooks.onReply,
      onCommitted: hooks.onCommitted,
    },
    {
      shards: config.scheduleShards,
      idleMs: config.actorIdleMs,
      maxLive: config.actorMaxLive,
      askTimeoutMs: config.actorAskTimeoutMs,
      onCrash: (scheduleId, err) => log.error({ err, scheduleId }, 'schedule actor crashed; restarting it from the database'),
      // Actors gone in a wave leave their memory as garbage that an idle process never collects.
      onPassivated: releaseAfterPassivation({
        threshold: 100,
        minIntervalMs: 1_000,
        onError: (err) => log.warn({ err }, 'could not release memory'),
        onReleased: ({ heapBefore, heapAfter, ms }) =>
          log.info({ heapMbBefore: Math.round(heapBefore / 1e6), heapMbAfter: Math.round(heapAfter / 1e6), ms: Math.round(ms) }, 'released memory after passivating actors'),
      }),
    },
  );
  const clock = startClock(system, { db, registry: schedules, everyMs: config.expiryTickMs, log, queues });
  return {
    schedules,
    history,
    clock,
    async stop({ historyTimeoutMs }: { historyTimeoutMs?: number } = {}) {
      await clock.stop();
      schedules.stop();
      await history.close({ timeoutMs: historyTimeoutMs });
      stop(system);
    },
    abandon: () => history.abandon(),
  };
}
