/**
 * The login journal: every login attempt is appended to a local file, and synced, before its
 * answer goes out, so a kill -9 cannot lose an answered login while its row waits in the history
 * actor's memory. Appends made in the same turn of the event loop share one write and one
 * fdatasync (group commit), and one group is written at a time, so a storm of logins costs a
 * sync per group, not per login.
 *
 * Files: `logins-<run>-<n>.ndjson` beside the spill files, one JSON line per login, each with a
 * journal id unique to it. A file is sealed after `rotateEvery` lines and deleted once its rows are
 * in the database. Files left by an earlier run are fed to the history actor again on start and
 * deleted once written: the unique index on login_history.journal_id makes that replay, and any
 * replay after another crash, insert each login exactly once. One process per data directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoginRecord } from './protocol.js';
import { decodeLine } from './spill.js';

const FILE = /^logins-[0-9a-z]+-\d+\.ndjson$/;

interface Group {
  lines: string[];
  done: Promise<void>;
  resolve: () => void;
}

export interface JournalLog {
  error(obj: object, msg: string): void;
}

export class LoginJournal {
  private readonly run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private seq = 0;
  private file = 0;
  private linesInFile = 0;
  private handle: Promise<FileHandle> | undefined;
  private next: Group | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failing = false;

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
    if (!this.next) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      this.next = { lines: [], done, resolve };
      setImmediate(() => this.writeGroup());
    }
    this.next.lines.push(JSON.stringify({ kind: 'login', record }));
    return this.next.done;
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
    return this.handle ? this.pathOf(this.file) : undefined;
  }

  /** Waits for the groups written so far and closes the file. */
  async close(): Promise<void> {
    await this.writing;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.then((h) => h.close()).catch(() => undefined);
  }

  private pathOf(n: number): string {
    return join(this.dir, `logins-${this.run}-${n}.ndjson`);
  }

  private writeGroup(): void {
    const group = this.next!;
    this.next = undefined;
    // One group at a time, in order: a later group's sync never overtakes an earlier one's.
    this.writing = this.writing.then(() => this.persist(group)).finally(group.resolve);
  }

  private async persist(group: Group): Promise<void> {
    try {
      if (!this.handle) {
        mkdirSync(this.dir, { recursive: true });
        this.handle = open(this.pathOf(this.file), 'a');
      }
      const handle = await this.handle;
      await handle.write(group.lines.join('\n') + '\n');
      await handle.datasync();
      this.failing = false;
      this.linesInFile += group.lines.length;
      if (this.linesInFile >= this.rotateEvery) await this.rotate(handle);
    } catch (err) {
      // The row still goes to the history actor; only its protection against kill -9 is lost.
      if (!this.failing) this.log.error({ err, dir: this.dir }, 'login journal not writable; logins are answered without it');
      this.failing = true;
      this.handle = undefined;
    }
  }

  private async rotate(handle: FileHandle): Promise<void> {
    const sealed = this.pathOf(this.file);
    this.file += 1;
    this.linesInFile = 0;
    this.handle = undefined;
    await handle.close();
    this.onSealed(sealed);
  }
}
