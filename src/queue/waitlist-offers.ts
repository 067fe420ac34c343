/**
 * Publishes waiting-list offers on the bus: every `everyMs` (a repeat, so once per slot across
 * instances) the unpublished rows of the `notifications` outbox go out as `WaitlistOffered` jobs on
 * `waitlist-offers`, for another service (e-mail, SMS) to take. Only with Redis: without a shared
 * queue nobody outside this process could take them, and the outbox keeps them.
 * A job's id is its outbox row's, so a run that fails after adding some adds them only once.
 */
import type { Db } from '../db/knex.js';
import { publishOutbox } from '../db/repositories/waitlist.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from './types.js';

export const WAITLIST_OFFERS = 'waitlist-offers';
const OUTBOX_REPEAT = 'waitlist-outbox';
const BATCH = 500;

export interface WaitlistOffered {
  type: 'WaitlistOffered';
  notificationId: number;
  entryId: number;
  userId: number;
  scheduleId: number;
  offerExpiresAt: string;
}

export function startWaitlistPublisher(queues: JobQueue, db: Db, { everyMs, log }: { everyMs: number; log?: Logger }): void {
  if (!queues.shared) return;
  queues.repeat(OUTBOX_REPEAT, everyMs, async () => {
    let published: number;
    do {
      published = await publishOutbox(db, BATCH, async (rows) => {
        await Promise.all(
          rows.map((r) => {
            const message = { ...(r.payload as Omit<WaitlistOffered, 'type' | 'notificationId'>), type: 'WaitlistOffered' as const, notificationId: r.id };
            return queues.add<WaitlistOffered>(WAITLIST_OFFERS, message, { jobId: `notification-${r.id}` });
          }),
        );
      }).catch((err: unknown) => {
        log?.warn({ err }, 'could not publish waiting-list offers; the outbox keeps them');
        return 0;
      });
    } while (published === BATCH);
  });
}
