import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, stop } from 'nact';
import { History, spillDirFor } from '../../src/actors/history/index.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/knex.js';
import type { LoginRecord } from '../../src/db/repositories/login-history.js';
import { createLogger } from '../../src/logger.js';

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const dirs: string[] = [];

/** A data directory of its own, removed by `removeHistoryDirs`. */
export function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'history-'));
  dirs.push(dir);
  return dir;
}

export function removeHistoryDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface StartedHistory {
  history: History;
  /** The data directory it was given. */
  root: string;
  /** Where its spill files live. */
  spillDir: string;
  /** Ends it as a process ending would: the history abandoned (what it holds to disk), its actor system stopped. */
  stop(): Promise<void>;
}

/**
 * A history in an actor system of its own, configured as the service would be from these
 * variables; `backoff` bounds the retry delays.
 */
export function startHistory(db: Db, env: Record<string, string> = {}, root = freshDir(), backoff?: { minMs: number; maxMs: number }): StartedHistory {
  const system = start();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: root, ...env });
  const spillDir = spillDirFor(config);
  const history = new History(system, { db, spillDir, batchSize: config.historyBatchSize, flushMs: config.historyFlushMs, bufferMax: config.historyBufferMax, backoff, log });
  return {
    history,
    root,
    spillDir,
    stop: async () => {
      await history.abandon();
      stop(system);
    },
  };
}

let tag = 0;
/** A prefix no other test's rows share. */
export const marker = (): string => `m${process.pid}-${Date.now().toString(36)}-${(tag += 1)}`;

export const login = (email: string, i = 0): LoginRecord => ({ userId: null, email, success: i % 2 === 0, ip: '10.0.0.1', userAgent: `ua-${i}`, at: new Date() });

/** Records `n` logins `<prefix>-<i>@test.local`. */
export function recordLogins(history: History, prefix: string, n: number): void {
  for (let i = 0; i < n; i += 1) history.record({ kind: 'login', record: login(`${prefix}-${i}@test.local`, i) });
}

/** login_history rows of `prefix`'s logins: how many, and how many distinct emails. */
export async function loginRows(db: Db, prefix: string): Promise<{ rows: number; emails: number }> {
  const [row] = await db('login_history').where('email', 'like', `${prefix}-%`).select(db.raw('count(*)::int AS rows'), db.raw('count(DISTINCT email)::int AS emails'));
  return row as { rows: number; emails: number };
}
