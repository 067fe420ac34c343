import type { History } from '../actors/history/index.js';
import type { LoginRecord } from '../db/repositories/login-history.js';
import type { Logger } from '../logger.js';
import { LoginJournal } from './login-journal.js';

/**
 * Login attempts on their way to login_history: each is appended to the login journal on disk
 * (login-journal.ts) before its answer goes out, and recorded in the history, which writes it in
 * a batch. A journal file goes once its rows are written. Files left by an earlier run are
 * recorded again at start and go once those rows are written; the unique journal_id makes that
 * insert each login once.
 */
export class LoginHistory {
  private readonly journal: LoginJournal;
  /** A login was journaled but not taken by the history (it was closed): the journal must stay. */
  private untaken = false;

  constructor(
    private readonly history: History,
    journalDir: string,
    log: Pick<Logger, 'info' | 'error'>,
  ) {
    const journal = (this.journal = new LoginJournal(journalDir, log, (file) => void history.written().then(() => journal.remove(file))));
    const left = journal.leftovers();
    if (left.length === 0) return;
    for (const { records } of left) for (const record of records) history.record({ kind: 'login', record });
    log.info({ files: left.length, logins: left.reduce((n, f) => n + f.records.length, 0) }, 'login journal of an earlier run replayed into the history');
    void history.written().then(() => Promise.all(left.map((f) => journal.remove(f.file))));
  }

  /** Records a login attempt; resolves once it is in the journal on disk, so an answered login survives kill -9. */
  record(record: LoginRecord): Promise<void> {
    const journaled = this.journal.append(record);
    if (!this.history.record({ kind: 'login', record })) this.untaken = true;
    return journaled;
  }

  /** After the history is closed: closes the journal, and deletes this run's file if every login is in the database. */
  async close(): Promise<void> {
    const current = this.journal.current();
    await this.journal.close();
    const { buffered, spilledRows } = this.history.stats();
    if (current && !this.untaken && buffered === 0 && spilledRows === 0) await this.journal.remove(current);
  }
}
