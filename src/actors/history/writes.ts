import { isDataError } from '../../db/errors.js';
import type { BatchWritten, GuardedBatch, HistoryRow } from '../../db/repositories/history.js';
import type { Logger } from '../../logger.js';
import type { WriteOutcome } from './protocol.js';
import { SpillFiles } from './spill.js';

export interface HistoryWriter {
  write(batch: GuardedBatch): Promise<BatchWritten>;
  /** Deletes the guards whose keys start with the prefix. */
  forget(prefix: string): Promise<void>;
}

export interface WriteDeps {
  writer: HistoryWriter;
  spill: SpillFiles;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface Written {
  statements: number;
  written: number;
  rejected: number;
  /** Guards the rows left behind, to delete once no retry or replay can need them. */
  guards: string[];
  /** Whether the forget/sweep asked for went in (not when the rows had to go one by one). */
  extras: boolean;
}

/**
 * Writes rows under `key`. If the database refuses the batch's data (a class 22/23 error), writes
 * them one by one under `key#i`, so one bad row does not hold back the rest; the bad ones are set
 * aside in history-rejected.ndjson. Any other error is thrown, and the caller retries the same
 * rows under the same key; the keys are derived from `key` alone, so a retry takes the same path.
 */
export async function writeRows(deps: WriteDeps, key: string, rows: HistoryRow[], extra: { forget?: string[]; sweep?: boolean } = {}): Promise<Written> {
  try {
    const r = await deps.writer.write({ key, rows, ...extra });
    return { statements: r.statements, written: rows.length, rejected: 0, guards: [key], extras: true };
  } catch (err) {
    if (!isDataError(err)) throw err;
    deps.log.warn({ err, rows: rows.length }, 'history batch refused; writing its rows one by one');
  }
  const out: Written = { statements: 0, written: 0, rejected: 0, guards: [], extras: false };
  for (const [i, row] of rows.entries()) {
    try {
      out.statements += (await deps.writer.write({ key: `${key}#${i}`, rows: [row] })).statements;
      out.written += 1;
      out.guards.push(`${key}#${i}`);
    } catch (err) {
      if (!isDataError(err)) throw err;
      out.rejected += 1;
      setAside(deps, row, err);
    }
  }
  return out;
}

function setAside({ spill, log }: WriteDeps, row: HistoryRow, err: unknown): void {
  const reason = err instanceof Error ? err.message : String(err);
  try {
    spill.reject([row], reason);
    log.error({ kind: row.kind, reason }, 'history row refused by the database; set aside in history-rejected.ndjson');
  } catch (fileErr) {
    log.error({ err: fileErr, row, reason }, 'history row refused by the database and could not be set aside');
  }
}

/**
 * Replays the chunk of a sealed spill file that starts at `offset`: its loose rows under the key
 * `spill:<file>:<offset>`, each saved batch under its own key. After the last chunk the file is
 * deleted, then the guards of its chunks (a crash between the two leaves guards that nobody needs,
 * never a file whose rows could be written twice).
 */
export async function replayChunk(deps: WriteDeps, file: string, offset: number): Promise<WriteOutcome> {
  const started = Date.now();
  const chunk = await deps.spill.readChunk(file, offset).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return { rows: [], batches: [], skipped: 0, nextOffset: offset, eof: true };
    throw err;
  });
  const prefix = SpillFiles.keyPrefix(file);
  let statements = 0;
  let rows = 0;
  let rejected = 0;
  const guards: string[] = [];
  const add = (w: Written) => {
    statements += w.statements;
    rows += w.written;
    rejected += w.rejected;
  };
  if (chunk.rows.length > 0) add(await writeRows(deps, `${prefix}${offset}`, chunk.rows));
  for (const batch of chunk.batches) {
    const w = await writeRows(deps, batch.key, batch.rows);
    add(w);
    guards.push(...w.guards);
  }
  if (chunk.eof) {
    await deps.spill.remove(file);
    await deps.writer.forget(prefix).catch((err) => deps.log.warn({ err }, 'could not delete the write guards of a replayed spill file'));
  }
  return { ok: true, rows, rejected, skipped: chunk.skipped, statements, ms: Date.now() - started, nextOffset: chunk.nextOffset, eof: chunk.eof, guards, forgot: [], swept: false };
}
