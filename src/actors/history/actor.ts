/**
 * HistoryActor: queues login-history, payment-attempt and booking-event rows and writes them in
 * batches, so that nobody waits for a history INSERT.
 *
 * State (HistoryState, kept outside nact so a reset keeps it): the queue, the batch being written,
 * spill bookkeeping and flush waiters. A write starts when `batchSize` rows wait, `flushMs` after
 * the oldest arrived, or at once for a flush; it carries up to MAX_BATCH_ROWS rows, one multi-row
 * INSERT per table in one transaction with a guard (see writeHistoryBatch). The write runs as a
 * promise and reports back with `Settled`, so the mailbox never waits on the database and at most
 * one write is in flight. A failed write keeps its batch and retries it, same rows, same key, with
 * exponential backoff; rows keep arriving meanwhile. Past `bufferMax` rows in memory the oldest
 * queued rows are appended to the spill file; sealed spill files are replayed a chunk at a time,
 * alternating with memory batches, whenever the database takes writes.
 * Lifecycle: spawned by History; a crash resets it onto the same state. nact's stop(system) does
 * not stop children and drops later messages, so a flush that times out saves memory to disk
 * first (SpillMemory), and a write in flight then saves its own batch if it fails.
 * Caveats: handlers never await; rows the database refuses as data are set aside in a file.
 */
import { dispatch, type Ref } from 'nact';
import type { HistoryRow } from '../../db/repositories/history.js';
import type { HistoryMessage, WriteOutcome } from './protocol.js';
import { backoffMs, buffered, formBatch, nextStep, oldestOutstanding, spilledRows, type Batch, type HistoryState, type Queued } from './state.js';
import { replayChunk, writeRows, type WriteDeps } from './writes.js';

/** Rows in one write; keeps a statement far below PostgreSQL's 65535 parameters. */
export const MAX_BATCH_ROWS = 1000;

export interface HistoryDeps extends WriteDeps {
  /** Where the login journal lives (see login-journal.ts); without it, logins are not journaled. */
  journalDir?: string;
  batchSize: number;
  flushMs: number;
  bufferMax: number;
  backoff?: { minMs: number; maxMs: number };
}

type Self = Ref<HistoryMessage>;

export function historyActor(deps: HistoryDeps) {
  const { log, spill } = deps;

  const arm = (s: HistoryState, self: Self, at: number) => {
    if (s.timer && s.timer.at <= at) return;
    if (s.timer) clearTimeout(s.timer.handle);
    const timer = s.nextOp;
    s.nextOp += 1;
    const handle = setTimeout(() => dispatch(self, { type: 'Tick', timer }), Math.max(0, at - Date.now()));
    handle.unref();
    s.timer = { id: timer, at, handle };
  };

  const noteSpilled = (s: HistoryState, rows: Queued[]) => {
    if (!s.spillCurrent) log.warn({ file: spill.current, rows: rows.length }, 'history rows going to the spill file');
    const minSeq = rows.reduce((m, q) => Math.min(m, q.seq), s.spillCurrent?.minSeq ?? Infinity);
    s.spillCurrent = { rows: (s.spillCurrent?.rows ?? 0) + rows.length, minSeq };
    s.counters.spilledTotal += rows.length;
  };

  /** Appends rows (or a tried batch, with its key) to the spill file; false if the disk refused. */
  const save = (s: HistoryState, rows: Queued[], key?: string): boolean => {
    if (rows.length === 0) return true;
    try {
      const plain = rows.map((q) => q.row);
      if (key) spill.appendBatch(key, plain);
      else spill.append(plain);
    } catch (err) {
      log.error({ err, rows: rows.length }, 'history spill file not writable; keeping the rows in memory');
      return false;
    }
    noteSpilled(s, rows);
    return true;
  };

  const accept = (s: HistoryState, row: HistoryRow) => {
    s.pending.push({ seq: s.nextSeq, arrived: Date.now(), row });
    s.nextSeq += 1;
    if (buffered(s) > deps.bufferMax) spillOverflow(s);
  };

  /** Moves the oldest queued rows to the spill file, a batch's worth at a time. */
  const spillOverflow = (s: HistoryState) => {
    const now = Date.now();
    if (now < s.spillBlockedUntil || s.pending.length === 0) return;
    const n = Math.min(s.pending.length, Math.max(buffered(s) - deps.bufferMax, Math.min(deps.batchSize, deps.bufferMax)));
    // On a disk error the rows stay in memory, over the bound, rather than being lost.
    if (save(s, s.pending.slice(0, n))) s.pending.splice(0, n);
    else s.spillBlockedUntil = now + 1_000;
  };

  /** Everything in memory to disk; a batch being written saves itself if its write fails. */
  const spillMemory = (s: HistoryState) => {
    if (save(s, s.pending)) s.pending = [];
    if (s.batch && !s.inFlight) {
      if (save(s, s.batch.rows, s.batch.key)) s.batch = null;
    } else if (s.batch && s.inFlight?.kind === 'write') {
      s.inFlight.spillIfFails = true;
    }
  };

  const run = (s: HistoryState, self: Self, kind: 'write' | 'replay', work: () => Promise<WriteOutcome>) => {
    const op = s.nextOp;
    s.nextOp += 1;
    s.inFlight = { op, kind, spillIfFails: false };
    s.lastOp = kind;
    work()
      .catch((error: unknown): WriteOutcome => ({ ok: false, error }))
      .then((outcome) => {
        // Asked to save memory while this write ran, and it failed: the actor may be gone
        // (stopped with its system), so save the batch here rather than in a message.
        const batch: Batch | null = s.batch;
        if (!outcome.ok && s.inFlight?.op === op && s.inFlight.spillIfFails && batch && save(s, batch.rows, batch.key)) s.batch = null;
        if (!s.stopped) dispatch(self, { type: 'Settled', op, outcome });
      });
  };

  const startWrite = (s: HistoryState, self: Self) => {
    const batch = (s.batch ??= formBatch(s, MAX_BATCH_ROWS));
    const forget = s.forget.slice(0, 1000);
    const sweep = !s.swept;
    run(s, self, 'write', async () => {
      const started = Date.now();
      const w = await writeRows(
        deps,
        batch.key,
        batch.rows.map((q) => q.row),
        { forget, sweep },
      );
      return {
        ok: true,
        rows: w.written,
        rejected: w.rejected,
        skipped: 0,
        statements: w.statements,
        ms: Date.now() - started,
        nextOffset: 0,
        eof: false,
        guards: w.guards,
        forgot: w.extras ? forget : [],
        swept: w.extras && sweep,
      };
    });
  };

  const startReplay = (s: HistoryState, self: Self): boolean => {
    if (s.sealed.length === 0) {
      try {
        const file = spill.seal();
        if (file) s.sealed.push({ file, rows: s.spillCurrent?.rows ?? spill.countRows(file), minSeq: s.spillCurrent?.minSeq ?? 0, guards: [] });
        s.spillCurrent = null;
        s.replayOffset = 0;
      } catch (err) {
        log.error({ err }, 'could not seal the history spill file for replay');
        return false;
      }
      if (s.sealed.length === 0) return false;
    }
    const { file } = s.sealed[0]!;
    const offset = s.replayOffset;
    run(s, self, 'replay', () => replayChunk(deps, file, offset));
    return true;
  };

  const pump = (s: HistoryState, self: Self) => {
    const now = Date.now();
    let step = nextStep(s, now, deps);
    if (step.kind === 'replay') {
      if (startReplay(s, self)) return;
      step = nextStep(s, now, deps, false);
    }
    if (step.kind === 'write') startWrite(s, self);
    else if (step.kind === 'wait') arm(s, self, step.until);
  };

  const settle = (s: HistoryState, op: number, outcome: WriteOutcome) => {
    if (!s.inFlight || s.inFlight.op !== op) return; // already applied (handed in again after a crash)
    const { kind } = s.inFlight;
    if (!outcome.ok) {
      s.failures += 1;
      s.counters.writeFailures += 1;
      s.retryAt = Date.now() + backoffMs(s.failures, deps.backoff?.minMs, deps.backoff?.maxMs);
      if (s.failures === 1 || s.failures % 20 === 0) {
        log.warn({ err: outcome.error, kind, failures: s.failures, buffered: buffered(s), spilledRows: spilledRows(s) }, 'history write failed; keeping the rows and retrying');
      }
      s.inFlight = null;
      return;
    }
    if (s.failures > 0) log.info({ failures: s.failures, buffered: buffered(s), spilledRows: spilledRows(s) }, 'history writes recovered');
    s.failures = 0;
    s.retryAt = 0;
    const c = s.counters;
    c.insertStatements += outcome.statements;
    c.rowsWritten += outcome.rows;
    c.rejectedRows += outcome.rejected;
    c.lastFlushMs = outcome.ms;
    if (kind === 'write') {
      c.lastBatchSize = s.batch?.rows.length ?? 0;
      s.forget = s.forget.filter((k) => !outcome.forgot.includes(k)).concat(outcome.guards);
      if (outcome.swept) s.swept = true;
      s.batch = null;
    } else {
      c.replayedRows += outcome.rows;
      const sealed = s.sealed[0];
      if (outcome.skipped > 0) log.warn({ file: sealed?.file, skipped: outcome.skipped }, 'unreadable lines in a history spill file were skipped');
      if (sealed) {
        sealed.rows = Math.max(0, sealed.rows - outcome.rows - outcome.rejected - outcome.skipped);
        sealed.guards.push(...outcome.guards);
      }
      if (outcome.eof) {
        // The file is gone, so no replay can need the keys of the batches it held.
        s.forget.push(...(sealed?.guards ?? []));
        s.sealed.shift();
        s.replayOffset = 0;
      } else {
        s.replayOffset = outcome.nextOffset;
      }
    }
    s.inFlight = null;
  };

  const resolveWaiters = (s: HistoryState) => {
    if (s.waiters.length === 0) return;
    const oldest = oldestOutstanding(s);
    const ready = s.waiters.filter((w) => w.upTo < oldest);
    if (ready.length === 0) return;
    s.waiters = s.waiters.filter((w) => w.upTo >= oldest);
    for (const w of ready) w.done();
  };

  const handle = (s: HistoryState, msg: HistoryMessage, ctx: { self: Self }): HistoryState => {
    switch (msg.type) {
      case 'Record':
        accept(s, msg.row);
        break;
      case 'Flush':
        s.flushUpTo = Math.max(s.flushUpTo, s.nextSeq - 1);
        s.waiters.push({ upTo: s.nextSeq - 1, done: msg.done });
        break;
      case 'Durable':
        s.waiters.push({ upTo: s.nextSeq - 1, done: msg.done });
        break;
      case 'SpillMemory':
        spillMemory(s);
        msg.done();
        break;
      case 'Settled':
        settle(s, msg.op, msg.outcome);
        break;
      case 'Tick':
        // Timers can fire a millisecond early by Date.now(), so match the timer, not the time.
        if (s.timer && s.timer.id === msg.timer) s.timer = null;
        break;
      case 'Crash':
        throw new Error('history actor crash requested by a test');
    }
    pump(s, ctx.self);
    resolveWaiters(s);
    return s;
  };

  /** After the actor is stopped: rows in memory or still in the mailbox go to the spill file, for the next start. */
  const rescue = (s: HistoryState, mailbox: unknown[]) => {
    s.stopped = true;
    if (s.timer) clearTimeout(s.timer.handle);
    s.timer = null;
    for (const entry of mailbox) {
      // nact hands the mailbox over as {message, sender} pairs.
      const m = ((entry as { message?: unknown }).message ?? entry) as HistoryMessage;
      if (m.type === 'Record') s.pending.push({ seq: s.nextSeq++, arrived: Date.now(), row: m.row });
    }
    spillMemory(s);
    // The process is about to end, perhaps before that write can fail and save itself: save it now,
    // with its key, so that if it did commit, the replay finds its guard and writes nothing twice.
    if (s.batch && s.inFlight?.kind === 'write' && save(s, s.batch.rows, s.batch.key)) {
      s.batch = null;
      s.inFlight.spillIfFails = false;
    }
    for (const w of s.waiters.splice(0)) w.done();
  };

  return { handle, rescue };
}
