/**
 * The buffer actor behind History: rows written in batches, so that nobody waits for an INSERT.
 * The shape of Orleans' batching grain (a queue, a flush timer, a batch size, a last flush on
 * stop) plus a backoff and a hook for the rows it cannot keep.
 *
 * State (BufferState, kept outside nact so a reset keeps it): the queue, the batch being written,
 * flush waiters. A write starts when `batchSize` rows wait, `flushMs` after the oldest arrived, or
 * at once for a Flush, and takes up to MAX_BATCH_ROWS rows. It runs as a promise and reports back
 * with `Written`, so the mailbox never waits on the database and one write at most is in flight.
 * A failed write keeps its batch and retries it, same rows, same key, after a backoff; rows keep
 * arriving meanwhile. The overflow hook (the spill) takes the oldest rows past `bufferMax`.
 * Lifecycle: spawned by History; a crash resets it onto the same state; once stopped, `rescue`
 * hands the hook every row it still held, in memory, in its mailbox or in a write in flight.
 */
import { dispatch, type Ref } from 'nact';
import type { Logger } from '../../logger.js';
import type { BufferMessage } from './protocol.js';
import { backoffMs, buffered, nextSeq, oldestInMemory, takeOldest, writeDue, type BufferState } from './state.js';

/** Rows in one write; keeps a statement far below PostgreSQL's 65535 parameters. */
export const MAX_BATCH_ROWS = 1000;

export interface BufferDeps<R> {
  /** Writes a batch; throws to have it retried. A key is used again only for exactly the same rows. */
  write(key: string, rows: R[]): Promise<void>;
  /** The batch's write went in and the actor will not send its key again. */
  acknowledged(key: string): void;
  /** Takes rows the actor will not keep; `key` when they were already sent to `write`. False: it could not, keep them. */
  overflow(rows: R[], key?: string): boolean;
  /** The end of every write, for whoever watches. */
  onWrite?(report: WriteReport): void;
  batchSize: number;
  flushMs: number;
  bufferMax: number;
  backoff?: { minMs: number; maxMs: number };
  log: Pick<Logger, 'info' | 'warn'>;
}

export type WriteReport = { ok: boolean; rows: number; ms: number };

type Written = Extract<BufferMessage<unknown>, { type: 'Written' }>;

export function bufferActor<R>(deps: BufferDeps<R>) {
  const { log } = deps;

  const arm = (s: BufferState<R>, self: Ref<BufferMessage<R>>, at: number) => {
    if (s.timer && s.timer.at <= at) return;
    if (s.timer) clearTimeout(s.timer.handle);
    s.timer = { at, handle: setTimeout(() => dispatch(self, { type: 'Tick', at }), Math.max(0, at - Date.now())).unref() };
  };

  const handOver = (rows: R[], key?: string): boolean => rows.length === 0 || deps.overflow(rows, key);

  const accept = (s: BufferState<R>, row: R) => {
    if (s.queue.length === 0) s.dueAt = Date.now() + deps.flushMs;
    s.queue.push(row);
    if (buffered(s) <= deps.bufferMax) return;
    // The oldest rows go, a batch's worth at a time; if the hook cannot take them, they stay, over the bound.
    const n = Math.min(s.queue.length, Math.max(buffered(s) - deps.bufferMax, Math.min(deps.batchSize, deps.bufferMax)));
    if (handOver(s.queue.slice(0, n))) takeOldest(s, n);
  };

  const startWrite = (s: BufferState<R>, self: Ref<BufferMessage<R>>) => {
    const firstSeq = s.headSeq;
    const batch = (s.batch ??= { key: `mem:${s.bootId}:${s.nextBatch++}`, rows: takeOldest(s, MAX_BATCH_ROWS), firstSeq });
    const op = (s.writing = s.nextOp++);
    const started = Date.now();
    const report = (failed: boolean, error?: unknown) => !s.stopped && dispatch(self, { type: 'Written', op, failed, error, ms: Date.now() - started });
    deps.write(batch.key, batch.rows).then(
      () => report(false),
      (error: unknown) => report(true, error),
    );
  };

  const written = (s: BufferState<R>, msg: Written) => {
    if (s.writing !== msg.op) return; // already applied (handed in again after a crash)
    s.writing = null;
    deps.onWrite?.({ ok: !msg.failed, rows: s.batch?.rows.length ?? 0, ms: msg.ms });
    if (msg.failed) {
      s.failures += 1;
      s.counters.writeFailures += 1;
      s.retryAt = Date.now() + backoffMs(s.failures, deps.backoff?.minMs, deps.backoff?.maxMs);
      if (s.failures === 1 || s.failures % 20 === 0) log.warn({ err: msg.error, failures: s.failures, buffered: buffered(s) }, 'history write failed; keeping the rows and retrying');
      return;
    }
    if (s.failures > 0) log.info({ failures: s.failures, buffered: buffered(s) }, 'history writes recovered');
    s.failures = 0;
    s.retryAt = 0;
    s.counters.lastBatchSize = s.batch?.rows.length ?? 0;
    s.counters.lastFlushMs = msg.ms;
    if (s.batch) deps.acknowledged(s.batch.key);
    s.batch = null;
  };

  const pump = (s: BufferState<R>, self: Ref<BufferMessage<R>>) => {
    if (s.stopped || s.writing !== null) return;
    const now = Date.now();
    if (now < s.retryAt) arm(s, self, s.retryAt);
    else if (writeDue(s, now, deps.batchSize)) startWrite(s, self);
    else if (s.queue.length > 0) arm(s, self, s.dueAt);
  };

  /** Flush waiters whose rows have all left memory. */
  const resolveWaiters = (s: BufferState<R>) => {
    const oldest = oldestInMemory(s);
    while (s.waiters.length > 0 && s.waiters[0]!.upTo < oldest) s.waiters.shift()!.done();
  };

  const handle = (s: BufferState<R>, msg: BufferMessage<R>, ctx: { self: Ref<BufferMessage<R>> }): BufferState<R> => {
    switch (msg.type) {
      case 'Record':
        accept(s, msg.row);
        break;
      case 'Flush':
        s.flushUpTo = nextSeq(s) - 1;
        s.waiters.push({ upTo: s.flushUpTo, done: msg.done });
        break;
      case 'Written':
        written(s, msg);
        break;
      case 'Tick':
        if (s.timer?.at === msg.at) s.timer = null;
        break;
      case 'Crash':
        throw new Error('history actor crash requested by a test');
    }
    pump(s, ctx.self);
    resolveWaiters(s);
    return s;
  };

  /**
   * After the actor is stopped (the process is about to end): rows in memory or in its mailbox go
   * to the hook; so does a batch being written, with its key, so that if its write did commit, the
   * replay writes nothing twice. Every waiter is answered.
   */
  const rescue = (s: BufferState<R>, mailbox: unknown[]) => {
    s.stopped = true;
    if (s.timer) clearTimeout(s.timer.handle);
    for (const entry of mailbox) {
      // nact hands the mailbox over as {message, sender} pairs.
      const m = ((entry as { message?: unknown }).message ?? entry) as BufferMessage<R>;
      if (m.type === 'Record') s.queue.push(m.row);
      else if (m.type === 'Flush') s.waiters.push({ upTo: 0, done: m.done });
    }
    if (handOver(s.queue.slice())) takeOldest(s, s.queue.length);
    if (s.batch && handOver(s.batch.rows, s.batch.key)) s.batch = null;
    for (const w of s.waiters.splice(0)) w.done();
  };

  return { handle, rescue };
}
