import { randomBytes } from 'node:crypto';

/**
 * Rows taken out of the queue for one write. A batch is retried as it is, under the same key,
 * until the database has it: the key is what makes a retry after an ambiguous failure write
 * nothing twice. `firstSeq` numbers its first row (rows are numbered in arrival order).
 */
export interface Batch<R> {
  key: string;
  rows: R[];
  firstSeq: number;
}

export interface BufferCounters {
  lastBatchSize: number;
  lastFlushMs: number;
  writeFailures: number;
  restarts: number;
}

/**
 * Everything the actor knows. Made once, outside nact, and handed back by `initialStateFunc`
 * whenever nact resets the actor, so a restart keeps the rows.
 */
export interface BufferState<R> {
  /** Makes batch keys unique to this process. */
  readonly bootId: string;
  nextBatch: number;
  /** Rows waiting, oldest first; `headSeq` numbers queue[0]. */
  queue: R[];
  headSeq: number;
  /** When the oldest queued row is due even if no batch is full (rows left behind by a batch keep it: early, never late). */
  dueAt: number;
  /** The batch being written or waiting for its retry; always older than the queue. */
  batch: Batch<R> | null;
  /** The op of the one write in flight. */
  writing: number | null;
  nextOp: number;
  /** Consecutive failed writes; drives the backoff. */
  failures: number;
  retryAt: number;
  timer: { at: number; handle: NodeJS.Timeout } | null;
  /** Rows up to this number are written without waiting for the flush interval. */
  flushUpTo: number;
  waiters: { upTo: number; done: () => void }[];
  stopped: boolean;
  counters: BufferCounters;
}

export function createBufferState<R>(): BufferState<R> {
  return {
    bootId: randomBytes(6).toString('hex'),
    nextBatch: 1,
    queue: [],
    headSeq: 1,
    dueAt: Infinity,
    batch: null,
    writing: null,
    nextOp: 1,
    failures: 0,
    retryAt: 0,
    timer: null,
    flushUpTo: 0,
    waiters: [],
    stopped: false,
    counters: { lastBatchSize: 0, lastFlushMs: 0, writeFailures: 0, restarts: 0 },
  };
}

export const buffered = (s: BufferState<unknown>): number => s.queue.length + (s.batch?.rows.length ?? 0);

/** The number the next row gets. */
export const nextSeq = (s: BufferState<unknown>): number => s.headSeq + s.queue.length;

/** The lowest number still in memory (Infinity when nothing is). */
export const oldestInMemory = (s: BufferState<unknown>): number => s.batch?.firstSeq ?? (s.queue.length > 0 ? s.headSeq : Infinity);

/** Takes the `n` oldest queued rows out of the queue. */
export function takeOldest<R>(s: BufferState<R>, n: number): R[] {
  const rows = s.queue.splice(0, n);
  s.headSeq += rows.length;
  if (s.queue.length === 0) s.dueAt = Infinity;
  return rows;
}

/** Whether a batch is due (the caller checks that no write is in flight and no backoff runs). */
export const writeDue = (s: BufferState<unknown>, now: number, batchSize: number): boolean =>
  s.batch !== null || s.queue.length >= batchSize || (s.queue.length > 0 && (s.headSeq <= s.flushUpTo || now >= s.dueAt));

/** Exponential backoff with jitter: 100 ms, 200 ms, … up to 5 s. */
export function backoffMs(failures: number, minMs = 100, maxMs = 5_000): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 16));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
