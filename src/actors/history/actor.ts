/**
 * HistoryActor: batches login-history rows so that a login never waits for an INSERT.
 *
 * State: the rows waiting to be written. A batch is written when `batchSize` rows wait, or
 * `flushMs` after the first row arrived, or on `Flush` (shutdown). While a write is under way,
 * new rows wait in the mailbox and join the next batch. A failed write keeps its rows and retries.
 */
import { dispatch, type Ref } from 'nact';
import type { HistoryMessage, LoginRecord } from './protocol.js';

export interface HistoryDeps {
  writeLogins: (rows: LoginRecord[]) => Promise<void>;
  batchSize: number;
  flushMs: number;
  onFlush?: (rows: number, ms: number) => void;
  onError?: (err: unknown) => void;
}

export interface HistoryState {
  logins: LoginRecord[];
  timer: NodeJS.Timeout | null;
}

export const initialHistoryState = (): HistoryState => ({ logins: [], timer: null });

export function historyActor(deps: HistoryDeps) {
  const arm = (state: HistoryState, self: Ref<HistoryMessage>, ms: number) => {
    if (state.timer) return;
    state.timer = setTimeout(() => dispatch(self, { type: 'Flush' }), ms);
    state.timer.unref();
  };

  const flush = async (state: HistoryState, self: Ref<HistoryMessage>): Promise<HistoryState> => {
    if (state.timer) clearTimeout(state.timer);
    const next: HistoryState = { logins: [], timer: null };
    if (state.logins.length === 0) return next;
    const started = Date.now();
    try {
      await deps.writeLogins(state.logins);
      deps.onFlush?.(state.logins.length, Date.now() - started);
      return next;
    } catch (err) {
      deps.onError?.(err);
      const kept: HistoryState = { logins: state.logins, timer: null };
      arm(kept, self, deps.flushMs);
      return kept;
    }
  };

  return async (state: HistoryState, msg: HistoryMessage, ctx: { self: Ref<HistoryMessage> }): Promise<HistoryState> => {
    if (msg.type === 'Flush') {
      const next = await flush(state, ctx.self);
      msg.done?.();
      return next;
    }
    state.logins.push(msg.record);
    if (state.logins.length >= deps.batchSize) return flush(state, ctx.self);
    arm(state, ctx.self, deps.flushMs);
    return state;
  };
}
