import type { Db } from '../knex.js';
import { forgetHistoryGuards, writeHistoryRows, type HistoryRow } from './history.js';

/** Guards older than a day are deleted with the first batch, then once an hour. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface WriteCounters {
  insertStatements: number;
  rowsWritten: number;
  rejectedRows: number;
}

/**
 * Writes history batches through their write guards (`writeHistoryRows`) and keeps the guard
 * table small: the guards of acknowledged keys (nobody will send them again) are deleted in a
 * later batch's transaction, and guards older than a day (processes that died, rows written one
 * by one) now and then. Rows the database refuses as data go to `setAside`.
 */
export class HistoryWriter {
  readonly counters: WriteCounters = { insertStatements: 0, rowsWritten: 0, rejectedRows: 0 };
  private forget: string[] = [];
  private sweepAt = 0;

  constructor(
    private readonly db: Db,
    private readonly setAside: (row: HistoryRow, reason: string) => void,
  ) {}

  /** Writes the rows under `key`; throws (to be retried with the same key and rows) unless the database took or refused each. */
  async write(key: string, rows: HistoryRow[]): Promise<void> {
    const sweep = Date.now() >= this.sweepAt;
    const forget = this.forget.splice(0, 1000);
    let written;
    try {
      written = await writeHistoryRows(this.db, { key, rows, forget, sweep });
    } catch (err) {
      this.forget.push(...forget);
      throw err;
    }
    // Rows written one by one: the batch's own transaction, with its deletes, was rolled back.
    if (written.refused.length > 0) this.forget.push(...forget);
    else if (sweep) this.sweepAt = Date.now() + SWEEP_EVERY_MS;
    for (const { row, reason } of written.refused) this.setAside(row, reason);
    this.counters.insertStatements += written.statements;
    this.counters.rowsWritten += written.written;
    this.counters.rejectedRows += written.refused.length;
  }

  /** The key's rows are in and nobody will send it again: its guard may go. */
  acknowledge(key: string): void {
    this.forget.push(key);
  }

  /** Deletes the guards whose keys start with `prefix` (a replayed spill file's chunks). */
  forgetPrefix(prefix: string): Promise<void> {
    return forgetHistoryGuards(this.db, prefix);
  }
}
