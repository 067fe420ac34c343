import { ATTEMPT_SETTLED, isLimited, type ScheduleStore } from '../../actors/schedule/model.js';
import type { Db } from '../knex.js';
import { AttemptAlreadySettled } from './payment-attempts.js';
import { batchedScheduleStore } from './schedule-batch.js';
import { commitTransitionWith, type UserLimits } from './schedule-transitions.js';

/**
 * The schedule actors' storage: single-row reads and compare-and-set writes grouped across actors
 * (`batchedScheduleStore`, group commit), and a transition with money effects (payment, refund,
 * attempt) in one short transaction of its own.
 */
export function scheduleStore(db: Db, maxBatch = 100, limits?: UserLimits): ScheduleStore {
  const batched = batchedScheduleStore(db, maxBatch, limits);
  return {
    load: batched.load,
    async commit(t, effects) {
      if (!effects) {
        const committed = await batched.commit(t);
        return committed && (isLimited(committed) ? committed : { ...committed, refund: null, attemptId: null });
      }
      try {
        return await commitTransitionWith(db, t, effects);
      } catch (err) {
        // Another path (the order flow, the reconciler) settled this payment attempt first: nothing was written.
        if (err instanceof AttemptAlreadySettled) return ATTEMPT_SETTLED;
        throw err;
      }
    },
  };
}
