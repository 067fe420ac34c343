import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { dispatch, spawn, stop, type ActorSystemRef, type Ref } from 'nact';
import type { Config } from '../../config.js';
import type { Db } from '../../db/knex.js';
import { forgetHistoryGuards, writeHistoryBatch } from '../../db/repositories/history.js';
import type { Logger } from '../../logger.js';
import { historyActor, type HistoryDeps } from './actor.js';
import type { BookingEventRecord, BookingEventType, HistoryMessage, HistoryRow, LoginRecord, PaymentAttemptRecord } from './protocol.js';
import { LoginJournal } from './login-journal.js';
import { SpillFiles } from './spill.js';
import { buffered, createHistoryState, spilledRows, type HistoryCounters, type HistoryState, type SealedFile } from './state.js';
import type { HistoryWriter } from './writes.js';

export type { LoginRecord, PaymentAttemptRecord, BookingEventRecord, BookingEventType, HistoryDeps, HistoryWriter };

export interface HistoryStats extends HistoryCounters {
  /** Rows in memory, queued or being written. */
  buffered: number;
  /** Rows in spill files, not yet replayed. */
  spilledRows: number;
  /** Consecutive failed writes right now (0 when the database takes writes). */
  failing: number;
}

/** How long a flush waits for the database by default before saving the rows to disk instead. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;

const refs = new WeakMap<History, Ref<HistoryMessage>>();

/** The typed face of the history actor. Recording never waits; rows are written in batches. */
export class History {
  private readonly state: HistoryState;
  private closed = false;
  /** Resolves once the stopped actor has saved what it still held (nact runs afterStop on a later turn). */
  private readonly rescued: Promise<void>;
  private markRescued!: () => void;

  constructor(
    system: ActorSystemRef,
    private readonly deps: HistoryDeps,
    name = 'history',
  ) {
    this.state = createHistoryState(recoverSpill(deps));
    this.rescued = new Promise((resolve) => (this.markRescued = resolve));
    const actor = historyActor(deps);
    const ref = spawn(system, actor.handle, name, {
      // A reset hands back the same object, so a restart keeps the queue and the spill bookkeeping.
      initialStateFunc: () => this.state,
      onCrash: (msg, err, ctx) => {
        this.state.counters.restarts += 1;
        deps.log.error({ err, message: msg?.type }, 'history actor crashed; restarting it with its buffer');
        // A write's report is applied at most once (by op id), so hand it in again; then look for work.
        if (msg?.type === 'Settled') dispatch(ctx.self, msg);
        dispatch(ctx.self, { type: 'Tick' });
        return ctx.reset;
      },
      afterStop: (state, ctx) => {
        try {
          actor.rescue(state, ctx.mailbox as unknown[]);
        } finally {
          this.markRescued();
        }
      },
    }) as Ref<HistoryMessage>;
    refs.set(this, ref);
    // Replays spill files left by an earlier run.
    dispatch(ref, { type: 'Tick' });
    if (deps.journalDir) {
      const journal = new LoginJournal(deps.journalDir, deps.log, (file) => void this.durable().then(() => journal.remove(file)));
      this.journal = journal;
      this.replayJournal(journal);
    }
  }

  private readonly journal: LoginJournal | undefined;

  /** Logins journaled by an earlier run go to the database again (each at most once, by journal id); their files go once they are in. */
  private replayJournal(journal: LoginJournal): void {
    const left = journal.leftovers();
    if (left.length === 0) return;
    for (const { records } of left) for (const record of records) this.record({ kind: 'login', record });
    this.deps.log.info({ files: left.length, logins: left.reduce((n, f) => n + f.records.length, 0) }, 'login journal of an earlier run replayed into the history');
    void this.durable().then(() => Promise.all(left.map((f) => journal.remove(f.file))));
  }

  /**
   * Records a login attempt. Resolves once it is in the login journal on disk (when there is one),
   * so that an answered login survives kill -9; the row itself is written to the database in a batch.
   */
  recordLogin(record: LoginRecord): Promise<void> {
    const journaled = this.journal && !this.closed ? this.journal.append(record) : Promise.resolve();
    this.record({ kind: 'login', record });
    return journaled;
  }

  /** Resolves once every row recorded so far is in the database (or saved to disk by a stop); never hurries a write. */
  private durable(): Promise<void> {
    if (this.closed || this.state.stopped) return this.rescued;
    return new Promise((done) => dispatch(refs.get(this)!, { type: 'Durable', done }));
  }

  recordPaymentAttempt(record: PaymentAttemptRecord): void {
    this.record({ kind: 'payment', record });
  }

  recordEvent(record: BookingEventRecord): void {
    this.record({ kind: 'event', record });
  }

  /**
   * Makes every row recorded before the call durable: resolves once they are in the database, or,
   * when that takes longer than `timeoutMs` (the database is down), once the rows still in memory
   * are saved to the spill file, to be written when the database is back. With
   * `spillOnTimeout: false` it just stops waiting and the rows stay in memory.
   */
  flush({ timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS, spillOnTimeout = true }: { timeoutMs?: number; spillOnTimeout?: boolean } = {}): Promise<void> {
    if (this.closed || this.state.stopped) return Promise.resolve();
    const ref = refs.get(this)!;
    return new Promise<void>((resolve) => {
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        if (!spillOnTimeout) return finish();
        dispatch(ref, { type: 'SpillMemory', done: finish });
        // The actor answers at once; this only covers one that is no longer there.
        setTimeout(finish, 1_000).unref();
      }, timeoutMs);
      dispatch(ref, { type: 'Flush', done: finish });
    });
  }

  /** Flushes (saving to disk what the database does not take in time), then stops the actor, saving what is left. */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.flush(options);
    const clean = buffered(this.state) === 0 && spilledRows(this.state) === 0;
    await this.abandon();
    // Every row is in the database: the journal file of this run has nothing left to protect.
    const current = this.journal?.current();
    await this.journal?.close();
    if (clean && current) await this.journal!.remove(current);
  }

  /**
   * For a shutdown out of time: stops the actor without waiting for the database, and resolves
   * once every row it held (queued, in its mailbox, or in a write still in flight) is in the spill
   * file, to be replayed exactly once on the next start.
   */
  async abandon(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      stop(refs.get(this)!);
    }
    await Promise.race([this.rescued, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  }

  stats(): HistoryStats {
    const s = this.state;
    const c = s.counters;
    return {
      buffered: buffered(s),
      spilledRows: spilledRows(s),
      insertStatements: c.insertStatements,
      rowsWritten: c.rowsWritten,
      lastFlushMs: c.lastFlushMs,
      lastBatchSize: c.lastBatchSize,
      spilledTotal: c.spilledTotal,
      replayedRows: c.replayedRows,
      rejectedRows: c.rejectedRows,
      writeFailures: c.writeFailures,
      failing: s.failures,
      restarts: c.restarts,
    };
  }

  private record(row: HistoryRow): void {
    dispatch(refs.get(this)!, { type: 'Record', row });
  }
}

/** Test hook: makes the history actor throw while handling a message, so supervision restarts it. */
export function crashHistoryForTest(history: History): void {
  dispatch(refs.get(history)!, { type: 'Crash' });
}

/** Seals a spill file left by an earlier run and lists every file waiting for replay. */
function recoverSpill({ spill, log }: HistoryDeps): SealedFile[] {
  try {
    spill.seal();
    const files = spill.sealed().map((file) => ({ file, rows: spill.countRows(file), minSeq: 0, guards: [] }));
    if (files.length > 0) log.warn({ files: files.length, rows: files.reduce((n, f) => n + f.rows, 0) }, 'history spill files found; replaying them');
    return files;
  } catch (err) {
    log.error({ err, dir: spill.dir }, 'could not read the history spill directory');
    return [];
  }
}

export interface HistoryWiring {
  db: Db;
  config: Config;
  log: Logger;
}

/** Writes batches with the process's pool. */
export const dbHistoryWriter = (db: Db): HistoryWriter => ({
  write: (batch) => writeHistoryBatch(db, batch),
  forget: (prefix) => forgetHistoryGuards(db, prefix),
});

/**
 * Spilled rows belong to one database: each database (host, port and name; the embedded one is
 * its own) gets its own directory, so a data directory shared by several never replays rows into
 * the wrong one.
 */
export function spillDirFor(config: Pick<Config, 'dataDir' | 'databaseUrl'>): string {
  if (!config.databaseUrl) return join(config.dataDir, 'history', 'embedded');
  const url = new URL(config.databaseUrl);
  const id = createHash('sha256')
    .update(`${url.hostname}:${url.port || 5432}${url.pathname}`)
    .digest('hex')
    .slice(0, 16);
  return join(config.dataDir, 'history', id);
}

/** The process's history actor, configured from the environment. */
export function createHistory(system: ActorSystemRef, { db, config, log }: HistoryWiring): History {
  return new History(system, {
    writer: dbHistoryWriter(db),
    spill: new SpillFiles(spillDirFor(config)),
    batchSize: config.historyBatchSize,
    flushMs: config.historyFlushMs,
    bufferMax: config.historyBufferMax,
    journalDir: spillDirFor(config),
    log,
  });
}
