/**
 * The spill: where history rows go that the actor cannot keep in memory (past its bound, at a
 * flush out of time, at a stop), and how they get to the database later. `take` appends them to
 * the spill file (files.ts), synced, and starts the replay; the replay seals the file and writes
 * it a chunk at a time through the same writer as the actor, each chunk under a key made of the
 * file's name and the chunk's offset (a batch the actor had already tried keeps its own key), so
 * that a replay cut short by a crash and run again writes each row once. A failed chunk is tried
 * again after a backoff. Sealed files left by an earlier run are replayed from the start.
 * One process per spill directory.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../../../config.js';
import type { HistoryRow } from '../../../db/repositories/history.js';
import type { Logger } from '../../../logger.js';
import { backoffMs } from '../state.js';
import { SpillFiles } from './files.js';

export { SpillFiles, decodeLine } from './files.js';

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/** How the replay writes: the history's own batch write, and its guards. */
export interface SpillWriter {
  /** Writes rows under a key, in one transaction with its guard; throws to be retried. */
  write(key: string, rows: HistoryRow[]): Promise<void>;
  /** No replay will send this key again: its guard may go. */
  acknowledge(key: string): void;
  /** Deletes the guards whose keys start with `prefix`. */
  forgetPrefix(prefix: string): Promise<void>;
}

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

interface Sealed {
  file: string;
  /** Rows not replayed yet (an estimate once unreadable lines are skipped). */
  rows: number;
  /** Keys of the tried batches it held: acknowledged once the file is gone. */
  batchKeys: string[];
}

/** Sets a row the database refused as data aside in history-rejected.ndjson, for a person to look at. */
export const setAsideIn =
  (files: SpillFiles, log: Log) =>
  (row: HistoryRow, reason: string): void => {
    try {
      files.reject([row], reason);
      log.error({ kind: row.kind, reason }, 'history row refused by the database; set aside in history-rejected.ndjson');
    } catch (err) {
      log.error({ err, row, reason }, 'history row refused by the database and could not be set aside');
    }
  };

export class Spill {
  readonly counters = { spilledTotal: 0, replayedRows: 0 };
  private currentRows = 0;
  private readonly sealed: Sealed[];
  /** Byte offset reached in sealed[0]. */
  private offset = 0;
  private failures = 0;
  private replaying: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private stopped = false;
  private blockedUntil = 0;

  constructor(
    readonly files: SpillFiles,
    private readonly writer: SpillWriter,
    private readonly log: Log,
    private readonly backoff?: { minMs: number; maxMs: number },
  ) {
    this.sealed = this.recover();
    if (this.sealed.length > 0) void this.replayAll();
  }

  /** Rows on disk, not yet in the database. */
  get rows(): number {
    return this.sealed.reduce((n, f) => n + f.rows, this.currentRows);
  }

  /** The actor's overflow hook: appends the rows (a tried batch with its key); false if the disk refused. */
  take(rows: HistoryRow[], key?: string): boolean {
    // After a disk error, the rows stay in memory for a second rather than trying the disk per row.
    if (Date.now() < this.blockedUntil) return false;
    try {
      if (key) this.files.appendBatch(key, rows);
      else this.files.append(rows);
    } catch (err) {
      this.log.error({ err, rows: rows.length }, 'history spill file not writable; keeping the rows in memory');
      this.blockedUntil = Date.now() + 1_000;
      return false;
    }
    if (this.currentRows === 0) this.log.warn({ file: this.files.current, rows: rows.length }, 'history rows going to the spill file');
    this.currentRows += rows.length;
    this.counters.spilledTotal += rows.length;
    // Starts the replay if it is idle; a replay backing off from a failing database goes on waiting.
    void this.replayAll();
    return true;
  }

  /** Replays what is on disk, cutting a backoff short; resolves once nothing is left (or the spill is stopped). */
  drain(): Promise<void> {
    this.wake?.();
    return this.replayAll();
  }

  /** No more replay (the process is stopping); `take` still writes to disk, for the next start. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private replayAll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.replaying ??= this.replay().finally(() => {
      this.replaying = null;
      // Rows taken while the last chunk settled.
      if (!this.stopped && this.rows > 0) void this.replayAll();
    });
    return this.replaying;
  }

  private async replay(): Promise<void> {
    while (!this.stopped) {
      try {
        const next = this.next();
        if (!next) return;
        await this.replayChunk(next);
        if (this.failures > 0) this.log.info({ failures: this.failures, rows: this.rows }, 'history spill replay recovered');
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        if (this.failures === 1 || this.failures % 20 === 0) this.log.warn({ err, failures: this.failures, rows: this.rows }, 'history spill replay failed; retrying');
        await this.pause(backoffMs(this.failures, this.backoff?.minMs, this.backoff?.maxMs));
      }
    }
  }

  /** The file to replay: the oldest sealed one, or the current one, sealed now. */
  private next(): Sealed | undefined {
    if (this.sealed.length === 0 && this.currentRows > 0) {
      const file = this.files.seal();
      if (file) this.sealed.push({ file, rows: this.currentRows, batchKeys: [] });
      this.currentRows = 0;
      this.offset = 0;
    }
    return this.sealed[0];
  }

  /**
   * Writes the chunk at `offset`. After the last chunk the file is deleted, then the guards of its
   * chunks (a crash between the two leaves guards nobody needs, never a file whose rows could be
   * written twice).
   */
  private async replayChunk(f: Sealed): Promise<void> {
    const chunk = await this.files.readChunk(f.file, this.offset).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return { rows: [], batches: [], skipped: 0, nextOffset: this.offset, eof: true };
      throw err;
    });
    const prefix = SpillFiles.keyPrefix(f.file);
    if (chunk.rows.length > 0) await this.writer.write(`${prefix}${this.offset}`, chunk.rows);
    for (const batch of chunk.batches) await this.writer.write(batch.key, batch.rows);
    // Stopped meanwhile: another start may be replaying this file already, and deleting it and its
    // guards now could let that one write the chunk again. The next start skips it by its guard.
    if (this.stopped) return;
    const rows = chunk.batches.reduce((n, b) => n + b.rows.length, chunk.rows.length);
    this.counters.replayedRows += rows;
    if (chunk.skipped > 0) this.log.warn({ file: f.file, skipped: chunk.skipped }, 'unreadable lines in a history spill file were skipped');
    f.rows = Math.max(0, f.rows - rows - chunk.skipped);
    f.batchKeys.push(...chunk.batches.map((b) => b.key));
    if (!chunk.eof) {
      this.offset = chunk.nextOffset;
      return;
    }
    await this.files.remove(f.file);
    await this.writer.forgetPrefix(prefix).catch((err: unknown) => this.log.warn({ err }, 'could not delete the write guards of a replayed spill file'));
    for (const key of f.batchKeys) this.writer.acknowledge(key);
    this.sealed.shift();
    this.offset = 0;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
    });
  }

  /** Seals a spill file left by an earlier run and lists every file waiting for replay. */
  private recover(): Sealed[] {
    try {
      this.files.seal();
      const sealed = this.files.sealed().map((file) => ({ file, rows: this.files.countRows(file), batchKeys: [] }));
      if (sealed.length > 0) this.log.warn({ files: sealed.length, rows: sealed.reduce((n, f) => n + f.rows, 0) }, 'history spill files found; replaying them');
      return sealed;
    } catch (err) {
      this.log.error({ err, dir: this.files.dir }, 'could not read the history spill directory');
      return [];
    }
  }
}
