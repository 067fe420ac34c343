import { z } from 'zod';
import { refuse } from '../../errors/catalogue.js';
import { join, leave, mine, ofSchedule, type WaitlistTerms } from '../../services/waitlist.js';
import { callerOf } from '../auth/middleware.js';
import { myWaitlistEntry, scheduleWaitlistEntry, waitlistEntry } from '../bodies.js';
import { expectOk } from '../replies.js';
import { idParams } from '../schemas.js';
import { operation } from './table.js';

const tags = ['Waiting list'];
const termsOf = ({ config }: { config: { waitlistOfferTtlMs: number; maxActiveHoldsPerUser: number; waitlistMaxPerUser: number } }): WaitlistTerms => ({
  offerTtlMs: config.waitlistOfferTtlMs,
  maxActiveHolds: config.maxActiveHoldsPerUser,
  maxEntriesPerUser: config.waitlistMaxPerUser,
});

/** The waiting list: join, leave, one's own entries, and an admin's view of a schedule's list. */
export const WAITLIST = [
  operation({
    method: 'post',
    path: '/schedules/:id/waitlist',
    access: 'user',
    summary: 'Join a time slot’s waiting list',
    description:
      'Only for a slot that is held, booked or blocked and has not started. When it frees, the first eligible waiter is given a hold on it until `offerExpiresAt` (WAITLIST_OFFER_TTL_MS) and completes it with POST /reservations and POST /orders; an offer not taken passes to the next. Joining again returns the same entry.',
    tags,
    params: idParams,
    responses: {
      201: { description: 'joined', schema: waitlistEntry, example: { id: 7, scheduleId: 42, position: 3, status: 'WAITING' } },
      200: { description: 'the caller’s open entry on this list, unchanged', schema: waitlistEntry },
    },
    errors: ['SCHEDULE_AVAILABLE', 'SCHEDULE_IN_PAST', 'SCHEDULE_NOT_FOUND', 'SCHEDULE_ALREADY_YOURS', 'WAITLIST_LIMIT_REACHED', 'DATABASE_UNAVAILABLE'],
    handler: (deps) => {
      const terms = termsOf(deps);
      return async (ctx, { params }) => {
        const outcome = await join(deps.db, terms, params.id, callerOf(ctx).userId);
        if (outcome.kind === 'limited') throw refuse('WAITLIST_LIMIT_REACHED', undefined, { limit: 'WAITLIST_MAX_PER_USER', max: outcome.max });
        if (outcome.kind === 'refused') throw refuse(outcome.code);
        ctx.status = outcome.kind === 'joined' ? 201 : 200;
        ctx.body = outcome.entry;
      };
    },
  }),
  operation({
    method: 'delete',
    path: '/schedules/:id/waitlist',
    access: 'user',
    summary: 'Leave a waiting list',
    description: 'Leaving with an open offer declines it: the slot passes to the next waiter, or frees. Leaving a list one is not on changes nothing.',
    tags,
    params: idParams,
    responses: { 204: { description: 'left (or was not on the list)' } },
    errors: ['SCHEDULE_NOT_FOUND', 'DATABASE_UNAVAILABLE'],
    handler:
      ({ db, actors }) =>
      async (ctx, { params }) => {
        expectOk(await leave(db, actors.schedules, params.id, callerOf(ctx).userId));
        ctx.status = 204;
      },
  }),
  operation({
    method: 'get',
    path: '/waitlist/mine',
    access: 'user',
    summary: 'The caller’s waiting-list entries, newest first',
    tags,
    responses: { 200: { description: 'the entries', schema: z.array(myWaitlistEntry) } },
    handler:
      ({ db }) =>
      async (ctx) => {
        ctx.body = await mine(db, callerOf(ctx).userId);
      },
  }),
  operation({
    method: 'get',
    path: '/admin/schedules/:id/waitlist',
    access: 'admin',
    summary: 'A time slot’s waiting list, in join order',
    tags: ['Admin'],
    params: idParams,
    responses: { 200: { description: 'the entries', schema: z.array(scheduleWaitlistEntry) } },
    errors: ['SCHEDULE_NOT_FOUND'],
    handler:
      ({ db }) =>
      async (ctx, { params }) => {
        const entries = await ofSchedule(db, params.id);
        if (!entries) throw refuse('SCHEDULE_NOT_FOUND');
        ctx.body = entries;
      },
  }),
];
