import { join, leave, mine, ofSchedule, type WaitlistTerms } from '../../services/waitlist.js';
import { callerOf } from '../auth/middleware.js';
import { AppError } from '../errors.js';
import { expectOk } from '../replies.js';
import { parseIdParams } from '../validate.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

/** The waiting list: join, leave, one's own entries, and an admin's view of a schedule's list. */
export function waitlistRoutes({ db, actors, guard, config }: AppDeps): Routes {
  const router = new Routes(guard);
  const terms: WaitlistTerms = { offerTtlMs: config.waitlistOfferTtlMs, maxActiveHolds: config.maxActiveHoldsPerUser, maxEntriesPerUser: config.waitlistMaxPerUser };

  router.post('/schedules/:id/waitlist', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    const outcome = await join(db, terms, id, callerOf(ctx).userId);
    if (outcome.kind === 'limited') expectOk({ ok: false, code: 'WAITLIST_LIMIT_REACHED', limit: 'WAITLIST_MAX_PER_USER', max: outcome.max });
    if (outcome.kind === 'refused') expectOk({ ok: false, code: outcome.code });
    if (outcome.kind === 'joined' || outcome.kind === 'already') {
      ctx.status = outcome.kind === 'joined' ? 201 : 200;
      ctx.body = outcome.entry;
    }
  });

  router.delete('/schedules/:id/waitlist', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    expectOk(await leave(db, actors.schedules, id, callerOf(ctx).userId));
    ctx.status = 204;
  });

  router.get('/waitlist/mine', 'user', async (ctx) => {
    ctx.body = await mine(db, callerOf(ctx).userId);
  });

  router.get('/admin/schedules/:id/waitlist', 'admin', async (ctx) => {
    const entries = await ofSchedule(db, parseIdParams(ctx).id);
    if (!entries) throw new AppError(404, 'SCHEDULE_NOT_FOUND', 'no such schedule');
    ctx.body = entries;
  });

  return router;
}
