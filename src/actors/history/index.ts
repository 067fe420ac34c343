import { dispatch, spawn, type ActorSystemRef, type Ref } from 'nact';
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
