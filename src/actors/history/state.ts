import { randomBytes } from 'node:crypto';
import type { HistoryRow } from './protocol.js';

/** A row in memory, numbered in arrival order so a flush knows which rows came before it. */
export interface Queued {
  seq: number;
  arrived: number;
  row: HistoryRow;
}

/**
 * Rows taken out of the queue for one write. Once formed a batch is retried as it is, under the
 * same key, until the database has it: the key is what makes a retry after an ambiguous failure
 * write nothing twice.
 */
export interface Batch {
  key: string;
  rows: Queued[];
}

/** A sealed spill file waiting for replay; rows from an earlier process count as seq 0. */
export interface SealedFile {
  file: string;
  rows: number;
  minSeq: number;
  /** Keys of the batches it held that are in by now; deleted once the file is. */
  guards: string[];
}

export interface Waiter {
  upTo: number;
  done: () => void;
}

export interface HistoryCounters {
  insertStatements: number;
  rowsWritten: number;
  lastFlushMs: number;
  lastBatchSize: number;
  spilledTotal: number;
  replayedRows: number;
  rejectedRows: number;
  writeFailures: number;
  restarts: number;
}

/**
 * Everything the history actor knows. The object is made once, outside nact, and handed back by
 * `initialStateFunc` whenever nact resets the actor, so a restart keeps the buffer.
 */
export interface HistoryState {
  readonly bootId: string;
  nextSeq: number;
  nextBatch: number;
  pending: Queued[];
  batch: Batch | null;
  /** The one write or replay under way. */
  inFlight: { op: number; kind: 'write' | 'replay'; spillIfFails: boolean } | null;
  nextOp: number;
  lastOp: 'write' | 'replay' | null;
  /** Consecutive failed writes; drives the backoff. */
  failures: number;
  retryAt: number;
  timer: { id: number; at: number; handle: NodeJS.Timeout } | null;
  /** Guards of acknowledged batches, deleted with the next write. */
  forget: string[];
  swept: boolean;
  /** Rows in the current (unsealed) spill file and the lowest seq among them. */
  spillCurrent: { rows: number; minSeq: number } | null;
  sealed: SealedFile[];
  /** Byte offset reached in sealed[0]. */
  replayOffset: number;
  spillBlockedUntil: number;
  /** Rows up to this seq are written without waiting for the flush interval. */
  flushUpTo: number;
  waiters: Waiter[];
  stopped: boolean;
  counters: HistoryCounters;
}

export function createHistoryState(sealed: SealedFile[]): HistoryState {
  return {
    bootId: randomBytes(6).toString('hex'),
    nextSeq: 1,
    nextBatch: 1,
    pending: [],
    batch: null,
    inFlight: null,
    nextOp: 1,
    lastOp: null,
    failures: 0,
    retryAt: 0,
    timer: null,
    forget: [],
    swept: false,
    spillCurrent: null,
    sealed,
    replayOffset: 0,
    spillBlockedUntil: 0,
    flushUpTo: 0,
    waiters: [],
    stopped: false,
    counters: { insertStatements: 0, rowsWritten: 0, lastFlushMs: 0, lastBatchSize: 0, spilledTotal: 0, replayedRows: 0, rejectedRows: 0, writeFailures: 0, restarts: 0 },
  };
}

export const buffered = (s: HistoryState): number => s.pending.length + (s.batch?.rows.length ?? 0);

export const spilledRows = (s: HistoryState): number => (s.spillCurrent?.rows ?? 0) + s.sealed.reduce((n, f) => n + f.rows, 0);

export const hasSpill = (s: HistoryState): boolean => s.sealed.length > 0 || (s.spillCurrent?.rows ?? 0) > 0;

/** The lowest seq not yet in the database (Infinity when everything is). */
export function oldestOutstanding(s: HistoryState): number {
  let min = Infinity;
  if (s.pending.length > 0) min = s.pending[0]!.seq;
  if (s.batch && s.batch.rows.length > 0) min = Math.min(min, s.batch.rows[0]!.seq);
  if (s.spillCurrent) min = Math.min(min, s.spillCurrent.minSeq);
  for (const f of s.sealed) min = Math.min(min, f.minSeq);
  return min;
}

/** Takes up to `max` of the oldest queued rows as a new batch. */
export function formBatch(s: HistoryState, max: number): Batch {
  const batch = { key: `mem:${s.bootId}:${s.nextBatch}`, rows: s.pending.splice(0, max) };
  s.nextBatch += 1;
  return batch;
}

/** Exponential backoff with jitter: 100 ms, 200 ms, … up to 5 s. */
export function backoffMs(failures: number, minMs = 100, maxMs = 5_000): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 16));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export type Step = { kind: 'write' } | { kind: 'replay' } | { kind: 'wait'; until: number } | { kind: 'idle' };

/**
 * What the actor does next: nothing while a write is in flight or the backoff runs; a memory
 * batch once `batchSize` rows wait, the oldest has waited `flushMs`, a flush asks, or a batch
 * awaits its retry; a spill chunk whenever there is spill, taking turns with memory batches.
 */
export function nextStep(s: HistoryState, now: number, cfg: { batchSize: number; flushMs: number }, canReplay = true): Step {
  if (s.stopped || s.inFlight) return { kind: 'idle' };
  if (now < s.retryAt) return { kind: 'wait', until: s.retryAt };
  const oldest = s.pending[0];
  const memoryDue = s.batch !== null || s.pending.length >= cfg.batchSize || (oldest !== undefined && (oldest.seq <= s.flushUpTo || now - oldest.arrived >= cfg.flushMs));
  if (canReplay && hasSpill(s) && (!memoryDue || s.lastOp !== 'replay')) return { kind: 'replay' };
  if (memoryDue) return { kind: 'write' };
  if (oldest) return { kind: 'wait', until: oldest.arrived + cfg.flushMs };
  return { kind: 'idle' };
}
