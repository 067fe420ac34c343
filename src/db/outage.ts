import { isDatabaseUnavailable } from './errors.js';
import type { Db } from './knex.js';

export interface OutageStats {
  /** True from the first failure to reach the database until a statement succeeds again. */
  down: boolean;
  /** Outages seen since start. */
  outages: number;
  /** Failed connection attempts and statements during the current (or last) outage. */
  failures: number;
}

interface OutageLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** The parts of knex's tarn pool this listens to (not in knex's types). */
interface PoolEvents {
  on(event: 'createFail', listener: (eventId: number, err: unknown) => void): void;
}

const watched = new WeakMap<Db, () => OutageStats>();

/**
 * Logs one line when the database goes away and one when it is back, with how long and how many
 * failures, instead of one per failed request. It watches the pool itself: connections that
 * could not be opened, statements that failed for want of a connection (classified by
 * `isDatabaseUnavailable`, the one place that decides), and the first statement that succeeds
 * after them. Watching twice returns the first watcher.
 */
export function watchOutages(db: Db, log: OutageLogger): () => OutageStats {
  const existing = watched.get(db);
  if (existing) return existing;
  let down = false;
  let since = 0;
  let outages = 0;
  let failures = 0;
  const failed = (err: unknown) => {
    failures += 1;
    if (down) return;
    down = true;
    since = Date.now();
    outages += 1;
    failures = 1;
    log.warn({ reason: reasonOf(err) }, 'database unavailable; answering 503 until it is back');
  };
  (db.client as { pool?: PoolEvents }).pool?.on('createFail', (_id, err) => failed(err));
  db.on('query-error', (err: unknown) => {
    if (isDatabaseUnavailable(err)) failed(err);
  });
  db.on('query-response', () => {
    if (!down) return;
    down = false;
    log.info({ downMs: Date.now() - since, failures }, 'database reachable again');
  });
  const stats = () => ({ down, outages, failures });
  watched.set(db, stats);
  return stats;
}

/** The error's code and message, without its stack: the stack of a refused connection says nothing new. */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}

/** True while the watcher of this pool (if any) has seen the database go away and not come back. */
export const isDatabaseDown = (db: Db): boolean => watched.get(db)?.().down ?? false;
