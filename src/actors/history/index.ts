import { dispatch, spawn, type ActorSystemRef, type Ref } from 'nact';
import type { Config } from '../../config.js';
import type { Db } from '../../db/knex.js';
import { insertLoginHistory } from '../../db/repositories/login-history.js';
import type { Logger } from '../../logger.js';
import { historyActor, initialHistoryState, type HistoryDeps } from './actor.js';
import type { HistoryMessage, LoginRecord } from './protocol.js';

export type { LoginRecord, HistoryDeps };

/** The typed face of the history actor. */
export class History {
  private readonly ref: Ref<HistoryMessage>;

  constructor(system: ActorSystemRef, deps: HistoryDeps) {
    this.ref = spawn(system, historyActor(deps), 'history', {
      initialStateFunc: initialHistoryState,
      // A crash must not lose the buffer: carry on with the state as it was.
      onCrash: (_msg, err, ctx) => {
        deps.onError?.(err);
        return ctx.resume;
      },
    }) as Ref<HistoryMessage>;
  }

  recordLogin(record: LoginRecord): void {
    dispatch(this.ref, { type: 'RecordLogin', record });
  }

  /** Resolves once every row recorded before the call is written (or kept for retry). */
  flush(): Promise<void> {
    return new Promise((resolve) => dispatch(this.ref, { type: 'Flush', done: resolve }));
  }
}

export interface HistoryWiring {
  db: Db;
  config: Config;
  log: Logger;
}

/** The process's history actor, configured from the environment. */
export function createHistory(system: ActorSystemRef, { db, config, log }: HistoryWiring): History {
  return new History(system, {
    writeLogins: (rows) => insertLoginHistory(db, rows),
    batchSize: config.historyBatchSize,
    flushMs: config.historyFlushMs,
    onError: (err) => log.warn({ err }, 'history write failed; keeping the rows and retrying'),
  });
}
