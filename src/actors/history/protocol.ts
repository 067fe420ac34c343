import type { LoginRecord } from '../../db/repositories/login-history.js';
import type { BookingEventRecord, BookingEventType, HistoryRow, PaymentAttemptRecord } from '../../db/repositories/history.js';

export type { LoginRecord, PaymentAttemptRecord, BookingEventRecord, BookingEventType, HistoryRow };

/** What outside code sends (through the History face). */
export type HistoryCommand =
  /** Queue one row; no reply. */
  | { type: 'Record'; row: HistoryRow }
  /** `done` is called once every row recorded before it is in the database. */
  | { type: 'Flush'; done: () => void }
  /** Like Flush, but without hurrying a write: `done` once those rows are in the database (or saved to disk at a stop). */
  | { type: 'Durable'; done: () => void }
  /** Saves the rows in memory to the spill file (a flush that timed out, shutdown); `done` when they are on disk. */
  | { type: 'SpillMemory'; done: () => void };

/** What a write or replay reports when it settles. */
export type WriteOutcome =
  | {
      ok: true;
      /** Rows now in the database, refused rows set aside, unreadable spill lines skipped. */
      rows: number;
      rejected: number;
      skipped: number;
      statements: number;
      ms: number;
      /** Replay: where the next chunk starts, and whether the file is done. */
      nextOffset: number;
      eof: boolean;
      /** Guards the rows left (a write's batch, a replay's saved batches), guards deleted, whether old ones were swept. */
      guards: string[];
      forgot: string[];
      swept: boolean;
    }
  | { ok: false; error: unknown };

/** Messages the actor sends itself, plus the crash a test asks for; not part of the public face. */
export type HistoryInternal =
  /** A timer went off (`timer`: which), or just: look for work. */
  { type: 'Tick'; timer?: number } | { type: 'Settled'; op: number; outcome: WriteOutcome } | { type: 'Crash' };

export type HistoryMessage = HistoryCommand | HistoryInternal;
