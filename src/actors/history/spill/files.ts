/**
 * The spill files of the history actor, under the data directory.
 *
 * Rows that do not fit in memory are appended, one JSON line each, to `history-spill.ndjson`
 * (append-only, synced to disk before the rows leave memory). A batch that was already sent to
 * the database (saved at a flush timeout or shutdown) is one line `{batch: key, rows}`, so its
 * replay is guarded by the key it was first tried with. To replay, the file is first sealed:
 * renamed to `history-spill.<time>-<random>.replay.ndjson`, a name used once, after which new rows
 * go to a fresh file and the sealed one never changes. Replay reads a sealed file in chunks of
 * REPLAY_CHUNK_ROWS lines; a chunk is identified by the file's name and its byte offset, which the
 * write guard uses to write each chunk exactly once even across a crash in the middle. The file is
 * deleted when its last chunk is in. One process per data directory.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type { HistoryRow } from '../../../db/repositories/history.js';

/** Lines per replayed chunk. Chunk boundaries must not move between a crash and the replay after it. */
export const REPLAY_CHUNK_ROWS = 1000;

const CURRENT = 'history-spill.ndjson';
const SEALED = /^history-spill\.[0-9a-z-]+\.replay\.ndjson$/;
const REJECTED = 'history-rejected.ndjson';
const BLOCK = 256 * 1024;

const instant = z
  .string()
  .datetime()
  .transform((s) => new Date(s));
const rowSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('login'),
    record: z.object({
      userId: z.number().int().nullable(),
      email: z.string(),
      success: z.boolean(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      at: instant,
      journalId: z.string().max(40).optional(),
    }),
  }),
  z.object({
    kind: z.literal('payment'),
    record: z.object({
      reservationId: z.number().int(),
      orderId: z.string(),
      paymentKey: z.string(),
      amount: z.number().int(),
      success: z.boolean(),
      code: z.string().nullable(),
      message: z.string().nullable(),
      at: instant,
    }),
  }),
  z.object({
    kind: z.literal('event'),
    record: z.object({
      scheduleId: z.number().int(),
      userId: z.number().int().nullable(),
      reservationId: z.number().int().nullable(),
      type: z.enum(['HELD', 'RELEASED', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED', 'PAYMENT_DECLINED', 'EXPIRED', 'CANCELED', 'REFUNDED']),
      detail: z.record(z.unknown()).optional(),
      at: instant,
    }),
  }),
]);

/** A batch that was already tried against the database keeps its key, so its replay cannot write it twice. */
const batchSchema = z.object({ batch: z.string().min(1), rows: z.array(rowSchema) });

export type SpillLine = { row: HistoryRow } | { batch: { key: string; rows: HistoryRow[] } };

export function decodeLine(line: string): SpillLine | null {
  try {
    const json: unknown = JSON.parse(line);
    if (json && typeof json === 'object' && 'batch' in json) {
      const parsed = batchSchema.safeParse(json);
      return parsed.success ? { batch: { key: parsed.data.batch, rows: parsed.data.rows as HistoryRow[] } } : null;
    }
    const parsed = rowSchema.safeParse(json);
    return parsed.success ? { row: parsed.data as HistoryRow } : null;
  } catch {
    return null;
  }
}

export interface SpillChunk {
  /** Loose rows, written under the chunk's key. */
  rows: HistoryRow[];
  /** Batches spilled with their own keys. */
  batches: { key: string; rows: HistoryRow[] }[];
  /** Lines that could not be read back (a torn last line after a crash); they are skipped. */
  skipped: number;
  nextOffset: number;
  eof: boolean;
}

export class SpillFiles {
  readonly current: string;
  private checkedTail = false;

  constructor(readonly dir: string) {
    this.current = join(dir, CURRENT);
  }

  /** Appends rows to the current file, one line each, and syncs it; throws if the disk does. */
  append(rows: HistoryRow[]): void {
    if (rows.length > 0) this.appendLines(rows.map((r) => JSON.stringify(r)));
  }

  /** Appends a batch that was tried against the database as one line that keeps its key. */
  appendBatch(key: string, rows: HistoryRow[]): void {
    if (rows.length > 0) this.appendLines([JSON.stringify({ batch: key, rows })]);
  }

  private appendLines(lines: string[]): void {
    mkdirSync(this.dir, { recursive: true });
    let text = lines.join('\n') + '\n';
    if (!this.checkedTail) {
      // A crash mid-append can leave a torn last line; start ours on a line of its own.
      if (this.endsTorn(this.current)) text = '\n' + text;
      this.checkedTail = true;
    }
    appendSynced(this.current, text);
  }

  /** Sets rows that the database refused aside for a person to look at, with the reason. */
  reject(rows: HistoryRow[], reason: string): void {
    mkdirSync(this.dir, { recursive: true });
    const at = new Date().toISOString();
    appendSynced(join(this.dir, REJECTED), rows.map((row) => JSON.stringify({ row, reason, at })).join('\n') + '\n');
  }

  /** Moves the current file aside for replay, or returns null when there is nothing in it. */
  seal(): string | null {
    if (!existsSync(this.current)) return null;
    if (statSync(this.current).size === 0) {
      unlinkSync(this.current);
      return null;
    }
    const stamp = `${Date.now().toString(36).padStart(10, '0')}-${randomBytes(4).toString('hex')}`;
    const sealed = join(this.dir, `history-spill.${stamp}.replay.ndjson`);
    renameSync(this.current, sealed);
    this.checkedTail = false;
    return sealed;
  }

  /** Sealed files waiting for replay, oldest first. */
  sealed(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => SEALED.test(name))
      .sort()
      .map((name) => join(this.dir, name));
  }

  /** Rows in a file, read in blocks so a large file costs little memory. */
  countRows(file: string): number {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(BLOCK);
      const text = new StringDecoder('utf8');
      let rows = 0;
      let carry = '';
      const count = (line: string) => {
        if (line.startsWith('{"batch"')) {
          const decoded = decodeLine(line);
          rows += decoded && 'batch' in decoded ? decoded.batch.rows.length : 1;
        } else if (line.trim() !== '') {
          rows += 1;
        }
      };
      for (let pos = 0; ;) {
        const n = readSync(fd, buf, 0, BLOCK, pos);
        if (n === 0) break;
        pos += n;
        const lines = (carry + text.write(buf.subarray(0, n))).split('\n');
        carry = lines.pop()!;
        lines.forEach(count);
      }
      count(carry);
      return rows;
    } finally {
      closeSync(fd);
    }
  }

  /** Up to `maxRows` lines from `offset` of a sealed file. */
  async readChunk(file: string, offset: number, maxRows = REPLAY_CHUNK_ROWS): Promise<SpillChunk> {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const lines: string[] = [];
      let pos = offset;
      let carry = Buffer.alloc(0);
      while (lines.length < maxRows && pos < size) {
        const buf = Buffer.alloc(Math.min(BLOCK, size - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(10, start); nl !== -1 && lines.length < maxRows; nl = data.indexOf(10, start)) {
          lines.push(data.toString('utf8', start, nl));
          start = nl + 1;
        }
        carry = Buffer.from(data.subarray(start));
      }
      let nextOffset = pos - carry.length;
      if (pos >= size && carry.length > 0 && lines.length < maxRows) {
        lines.push(carry.toString('utf8'));
        nextOffset = size;
      }
      const chunk: SpillChunk = { rows: [], batches: [], skipped: 0, nextOffset, eof: nextOffset >= size };
      for (const line of lines) {
        if (line.trim() === '') continue;
        const decoded = decodeLine(line);
        if (!decoded) chunk.skipped += 1;
        else if ('row' in decoded) chunk.rows.push(decoded.row);
        else chunk.batches.push(decoded.batch);
      }
      return chunk;
    } finally {
      await fh.close();
    }
  }

  async remove(file: string): Promise<void> {
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** The guard-key prefix of a sealed file's chunks. */
  static keyPrefix(file: string): string {
    return `spill:${basename(file)}:`;
  }

  private endsTorn(file: string): boolean {
    if (!existsSync(file)) return false;
    const { size } = statSync(file);
    if (size === 0) return false;
    const fd = openSync(file, 'r');
    try {
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, size - 1);
      return b[0] !== 10;
    } finally {
      closeSync(fd);
    }
  }
}

function appendSynced(file: string, text: string): void {
  const fd = openSync(file, 'a');
  try {
    const data = Buffer.from(text, 'utf8');
    for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
