/**
 * The login journal: every login attempt is appended to a local file, and synced, before its
 * answer goes out, so a kill -9 cannot lose an answered login while its row waits in the history
 * actor's memory. Appends made in the same turn of the event loop share one write and one
 * fdatasync (group commit), so a storm of logins costs a sync per group, not per login. The group
 * is written synchronously (well under a millisecond on a local disk): on libuv's thread pool the
 * write would queue behind the scrypt hashes that fill it, adding a hash's time to every login.
 *
 * Files: `logins-<run>-<n>.ndjson` beside the spill files, one JSON line per login, each with a
 * journal id unique to it. A file is sealed after `rotateEvery` lines and deleted once its rows are
 * in the database. Files left by an earlier run are fed to the history actor again on start and
 * deleted once written: the unique index on login_history.journal_id makes that replay, and any
 * replay after another crash, insert each login exactly once. One process per data directory.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeLine } from '../actors/history/index.js';
import { Batcher } from '../cache/batcher.js';
import type { LoginRecord } from '../db/repositories/login-history.js';

const FILE = /^logins-[0-9a-z]+-\d+\.ndjson$/;

export interface JournalLog {
  error(obj: object, msg: string): void;
}

export class LoginJournal {
  private readonly run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private seq = 0;
  private file = 0;
  private linesInFile = 0;
  private fd: number | undefined;
  private failing = false;
  /** One turn's lines, written together; the group is written synchronously, so `run` is done when it returns. */
  private readonly groups = new Batcher<string, void>(async (lines) => this.writeGroup(lines), Infinity);

  constructor(
    readonly dir: string,
    private readonly log: JournalLog,
    /** Called with a sealed file once every line of it is on disk: the caller deletes it when its rows are in the database. */
    private readonly onSealed: (file: string) => void,
    private readonly rotateEvery = 10_000,
  ) {}

  /** Journals the login under a new journal id (set on the record) and resolves once it is on disk. A disk that fails is logged and does not fail the login. */
  append(record: LoginRecord): Promise<void> {
    record.journalId = `${this.run}-${(this.seq += 1)}`;
    return this.groups.submit(JSON.stringify({ kind: 'login', record }));
  }

  /** Logins in files left by earlier runs, by file; read once, at start. */
  leftovers(): { file: string; records: LoginRecord[] }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => FILE.test(n) && !n.startsWith(`logins-${this.run}-`));
    } catch {
      return [];
    }
    return names.sort().map((name) => {
      const file = join(this.dir, name);
      const records: LoginRecord[] = [];
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const decoded = line ? decodeLine(line) : null;
        if (decoded && 'row' in decoded && decoded.row.kind === 'login' && decoded.row.record.journalId) records.push(decoded.row.record);
      }
      return { file, records };
    });
  }

  /** Deletes a journal file whose rows are all in the database. */
  async remove(file: string): Promise<void> {
    await unlink(file).catch(() => undefined);
  }

  /** The file being appended to now, if any (for deleting it after a clean shutdown). */
  current(): string | undefined {
    return this.fd === undefined ? undefined : this.pathOf(this.file);
  }

  /** Lets the group still waiting, if any, be written (its turn comes first), and closes the file. */
  async close(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing left to do with it
    }
    this.fd = undefined;
  }

  private pathOf(n: number): string {
    return join(this.dir, `logins-${this.run}-${n}.ndjson`);
  }

  private writeGroup(lines: string[]): void[] {
    try {
      if (this.fd === undefined) {
        mkdirSync(this.dir, { recursive: true });
        this.fd = openSync(this.pathOf(this.file), 'a');
      }
      const data = Buffer.from(lines.join('\n') + '\n', 'utf8');
      for (let done = 0; done < data.length;) done += writeSync(this.fd, data, done, data.length - done);
      fdatasyncSync(this.fd);
      this.failing = false;
      this.linesInFile += lines.length;
      if (this.linesInFile >= this.rotateEvery) this.rotate();
    } catch (err) {
      // The row still goes to the history actor; only its protection against kill -9 is lost.
      if (!this.failing) this.log.error({ err, dir: this.dir }, 'login journal not writable; logins are answered without it');
      this.failing = true;
      this.closeFile();
    }
    return lines.map(() => undefined);
  }

  private rotate(): void {
    const sealed = this.pathOf(this.file);
    this.closeFile();
    this.file += 1;
    this.linesInFile = 0;
    this.onSealed(sealed);
  }
}
