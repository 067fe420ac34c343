import { setTimeout as delay } from 'node:timers/promises';
import { dispatch, spawn, stop, type ActorSystemRef, type Ref } from 'nact';
import type { Config } from '../../config.js';
import type { Db } from '../../db/knex.js';
import type { HistoryRow } from '../../db/repositories/history.js';
import { HistoryWriter, type WriteCounters } from '../../db/repositories/history-writer.js';
import type { Logger } from '../../logger.js';
import { bufferActor, type BufferDeps, type WriteReport } from './actor.js';
import type { BufferMessage } from './protocol.js';
import { setAsideIn, Spill, spillDirFor, SpillFiles } from './spill/index.js';
import { buffered, createBufferState, type BufferCounters } from './state.js';

export type { HistoryRow, WriteReport };
export { decodeLine, spillDirFor } from './spill/index.js';

/** Rows in memory (queued or being written) and on disk; consecutive failed writes right now; the counters. */
export type HistoryStats = BufferCounters & WriteCounters & Spill['counters'] & { buffered: number; spilledRows: number; failing: number };

export type HistoryOptions = Pick<BufferDeps<HistoryRow>, 'batchSize' | 'flushMs' | 'bufferMax' | 'backoff'> & { db: Db; spillDir: string; log: Logger };

/** How long a flush waits for the database by default. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;

/** True when `work` settles within `ms`. */
const within = (work: Promise<unknown>, ms: number): Promise<boolean> => Promise.race([work.then(() => true), delay(ms, false, { ref: false })]);

const refs = new WeakMap<History, Ref<BufferMessage<HistoryRow>>>();

/**
 * The history: login-history, payment-attempt and booking-event rows, written in batches by the
 * buffer actor (actor.ts), each batch once, by its write guard (HistoryWriter); the rows the actor
 * cannot keep go to the spill (spill/), which writes them later through the same writer.
 * Recording never waits.
 */
export class History {
  private readonly state = createBufferState<HistoryRow>();
  private readonly writer: HistoryWriter;
  private readonly spill: Spill;
  private closed = false;
  private writeWatchers: ((report: WriteReport) => void)[] = [];
  /** Resolves once the stopped actor has handed over what it still held (nact runs afterStop on a later turn). */
  private readonly rescued: Promise<void>;

  constructor(system: ActorSystemRef, options: HistoryOptions, name = 'history') {
    const { db, log } = options;
    const files = new SpillFiles(options.spillDir);
    const writer = (this.writer = new HistoryWriter(db, setAsideIn(files, log)));
    const spill = (this.spill = new Spill(files, writer, log, options.backoff));
    const actor = bufferActor<HistoryRow>({
      ...options,
      write: (key, rows) => writer.write(key, rows),
      acknowledged: (key) => writer.acknowledge(key),
      overflow: (rows, key) => spill.take(rows, key),
      onWrite: (report) => this.writeWatchers.splice(0).forEach((watch) => watch(report)),
    });
    let markRescued!: () => void;
    this.rescued = new Promise((resolve) => (markRescued = resolve));
    const ref = spawn(system, actor.handle, name, {
      // A reset hands back the same object, so a restart keeps the rows.
      initialStateFunc: () => this.state,
      onCrash: (msg, err, ctx) => {
        this.state.counters.restarts += 1;
        log.error({ err, message: msg?.type }, 'history actor crashed; restarting it with its rows');
        // A write's report is applied at most once (by op id), so hand it in again; then look for work.
        if (msg?.type === 'Written') dispatch(ctx.self, msg);
        dispatch(ctx.self, { type: 'Tick', at: 0 });
        return ctx.reset;
      },
      afterStop: (state, ctx) => {
        try {
          actor.rescue(state, ctx.mailbox as unknown[]);
        } finally {
          markRescued();
        }
      },
    }) as Ref<BufferMessage<HistoryRow>>;
    refs.set(this, ref);
  }

  /** Queues a row; false once the history is closed (the row is not taken). */
  record(row: HistoryRow): boolean {
    if (this.closed) return false;
    dispatch(refs.get(this)!, { type: 'Record', row });
    return true;
  }

  /** The end of the actor's next write (not a spill replay's): what it wrote, or that it failed. */
  nextWrite(): Promise<WriteReport> {
    return new Promise((resolve) => this.writeWatchers.push(resolve));
  }

  /** Resolves once every row recorded so far is in the database (or, after a stop, on disk). */
  written(): Promise<void> {
    if (this.closed) return this.rescued;
    return new Promise<void>((done) => dispatch(refs.get(this)!, { type: 'Flush', done })).then(() => this.spill.drain());
  }

  /** Waits at most `timeoutMs` for every row recorded so far to be written; true if they were. */
  flush({ timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS }: { timeoutMs?: number } = {}): Promise<boolean> {
    return within(this.written(), timeoutMs);
  }

  /** Flushes, then stops the actor: what the database did not take in time goes to the spill file. */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.flush(options);
    await this.abandon();
  }

  /**
   * For a shutdown out of time: stops the actor without waiting for the database, and resolves
   * once every row it held (queued, in its mailbox, or in a write still in flight) is in the spill
   * file, to be replayed exactly once on the next start.
   */
  async abandon(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.spill.stop();
      stop(refs.get(this)!);
    }
    await within(this.rescued, 500);
  }

  stats(): HistoryStats {
    const s = this.state;
    return { ...s.counters, ...this.writer.counters, ...this.spill.counters, buffered: buffered(s), spilledRows: this.spill.rows, failing: s.failures };
  }
}

/** Test hook: makes the history actor throw while handling a message, so supervision restarts it. */
export function crashHistoryForTest(history: History): void {
  dispatch(refs.get(history)!, { type: 'Crash' });
}

/** The process's history, configured from the environment. */
export function createHistory(system: ActorSystemRef, { db, config, log }: { db: Db; config: Config; log: Logger }): History {
  return new History(system, { db, spillDir: spillDirFor(config), batchSize: config.historyBatchSize, flushMs: config.historyFlushMs, bufferMax: config.historyBufferMax, log });
}
