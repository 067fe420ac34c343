import type { Db } from '../../db/knex.js';
import { closeStartedWaitlists, dueHolds, duePendingReservations } from '../../db/repositories/expiry.js';
import type { Replies, Failure } from '../schedule/index.js';

export interface TickCounts {
  holdsExpired: number;
  reservationsExpired: number;
  /** WAITING entries of slots that started. */
  waitlistsClosed: number;
  failures: number;
}

export interface ExpiryWork {
  db: Db;
  /** Sends Expire to a schedule's actor; the actor re-checks the deadline and writes with CAS. */
  expire: (scheduleId: number) => Promise<Replies['Expire'] | Failure>;
  pageSize: number;
  /** Expire asks in flight at once. */
  concurrency: number;
}

/**
 * One pass over what is due at `now`: lapsed holds first, then unpaid reservations past their
 * deadline, a page at a time, then the waiting lists of slots that started. `now` is fixed when the tick starts, so a reservation made a moment
 * before is not yet due (its deadline is a whole PENDING_TTL away) and is left to a later tick.
 */
export async function runExpiryTick(work: ExpiryWork, now: Date): Promise<TickCounts> {
  const counts: TickCounts = { holdsExpired: 0, reservationsExpired: 0, waitlistsClosed: 0, failures: 0 };
  const seen = new Set<number>();
  const expireOne = async (scheduleId: number) => {
    if (seen.has(scheduleId)) return;
    seen.add(scheduleId);
    const reply = await work.expire(scheduleId);
    if (!reply.ok) {
      if (reply.code !== 'SCHEDULE_NOT_FOUND') counts.failures += 1;
    } else if (reply.expired === 'HOLD') counts.holdsExpired += 1;
    else if (reply.expired === 'RESERVATION') counts.reservationsExpired += 1;
  };

  for (let after = 0; ;) {
    const ids = await dueHolds(work.db, now, work.pageSize, after);
    await inParallel(ids, work.concurrency, expireOne);
    if (ids.length < work.pageSize) break;
    after = ids[ids.length - 1]!;
  }
  for (let after = 0; ;) {
    const due = await duePendingReservations(work.db, now, work.pageSize, after);
    await inParallel(
      due.map((d) => d.scheduleId),
      work.concurrency,
      expireOne,
    );
    if (due.length < work.pageSize) break;
    after = due[due.length - 1]!.id;
  }
  counts.waitlistsClosed = await closeStartedWaitlists(work.db, now);
  return counts;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
