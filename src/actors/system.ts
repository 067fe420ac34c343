import { randomBytes } from 'node:crypto';
import { start, stop, type ActorSystemRef } from 'nact';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { createHistory, type History } from './history/index.js';
import { ScheduleRegistry } from './schedule/index.js';

export interface Actors {
  schedules: ScheduleRegistry;
  history: History;
  /** Writes what the history actor holds, then stops every actor. */
  stop(): Promise<void>;
}

/** A unique order id of Toss's alphabet ([A-Za-z0-9_-], 6-64 chars) that also says which schedule it is for. */
export const newOrderId = (scheduleId: number): string => `rsv-${scheduleId}-${randomBytes(12).toString('base64url')}`;

export function startActors(config: Config, db: Db, log: Logger): Actors {
  const system: ActorSystemRef = start();
  const schedules = new ScheduleRegistry(
    system,
    { db, holdTtlMs: config.holdTtlMs, pendingTtlMs: config.pendingTtlMs, staleMs: config.actorStaleMs, newOrderId },
    {
      shards: config.scheduleShards,
      idleMs: config.actorIdleMs,
      askTimeoutMs: config.actorAskTimeoutMs,
      onCrash: (scheduleId, err) => log.error({ err, scheduleId }, 'schedule actor crashed; restarting it from the database'),
    },
  );
  const history = createHistory(system, { db, config, log });
  return {
    schedules,
    history,
    async stop() {
      schedules.stop();
      await history.flush();
      stop(system);
    },
  };
}
