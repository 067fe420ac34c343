import { z } from 'zod';
import { createReservation, holdSchedule, releaseSchedule } from '../../actors/schedule/index.js';
import { ACTOR_FAULTS, refuse } from '../../errors/catalogue.js';
import { mine, visibleReservation } from '../../services/reservations.js';
import { callerOf } from '../auth/middleware.js';
import { hold, reservation, reservationSummary } from '../bodies.js';
import { expectOk, okOrRefuse, plainRefusal } from '../replies.js';
import { idParams, reservationBody } from '../schemas.js';
import { operation } from './table.js';

const tags = ['Booking'];

export const BOOKING = [
  operation({
    method: 'post',
    path: '/schedules/:id/hold',
    access: 'user',
    summary: 'Hold a time slot',
    description: 'The same user holding again gets the same hold back.',
    tags,
    params: idParams,
    responses: { 200: { description: 'held until `holdExpiresAt`', schema: hold, example: { scheduleId: 42, status: 'HOLD', holdExpiresAt: '2026-12-01T09:05:00.000Z' } } },
    errors: ['SCHEDULE_NOT_AVAILABLE', 'SCHEDULE_NOT_FOUND', 'SCHEDULE_IN_PAST', 'HOLD_LIMIT_REACHED', 'HOLD_RATE_LIMITED', 'USER_NOT_FOUND', ...ACTOR_FAULTS],
    handler:
      ({ actors }) =>
      async (ctx, { params }) => {
        const held = okOrRefuse(ctx, await holdSchedule(actors.schedules, { scheduleId: params.id, userId: callerOf(ctx).userId }));
        if (held) ctx.body = held.hold;
      },
    // Under contention nearly every hold is this refusal, decided on the actor's published state.
    atOnce:
      ({ actors }) =>
      ({ id }, caller) => {
        // A slot without a live actor (a first hold, a winner to be) is the full path's: no token work here.
        const who = actors.schedules.isLive(id) ? caller() : undefined;
        const reply = who && actors.schedules.answerAtOnce(id, { type: 'Hold', userId: who.userId });
        return reply && !reply.ok ? plainRefusal(reply) : undefined;
      },
  }),
  operation({
    method: 'delete',
    path: '/schedules/:id/hold',
    access: 'user',
    summary: 'Release a hold',
    tags,
    params: idParams,
    responses: { 204: { description: 'released' } },
    errors: ['NOT_HOLDER', 'PAYMENT_IN_PROGRESS', 'SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS],
    handler:
      ({ actors }) =>
      async (ctx, { params }) => {
        expectOk(await releaseSchedule(actors.schedules, { scheduleId: params.id, userId: callerOf(ctx).userId }));
        ctx.status = 204;
      },
  }),
  operation({
    method: 'post',
    path: '/reservations',
    access: 'user',
    summary: 'Reserve a held time slot',
    description: 'Needs the caller’s live hold on the schedule. Unpaid, it lapses at `expiresAt`.',
    tags,
    body: reservationBody,
    responses: {
      201: { description: 'reserved, PENDING until paid', schema: reservationSummary },
      200: { description: 'the caller’s existing reservation for this hold, unchanged', schema: reservationSummary },
    },
    errors: ['HOLD_REQUIRED', 'HOLD_EXPIRED', 'RESERVATION_EXISTS', 'INVALID_PARTICIPANTS', 'SCHEDULE_IN_PAST', 'SCHEDULE_NOT_FOUND', 'HOLD_LIMIT_REACHED', ...ACTOR_FAULTS],
    handler:
      ({ actors }) =>
      async (ctx, { body }) => {
        const { created, reservation: made } = expectOk(await createReservation(actors.schedules, { scheduleId: body.scheduleId, userId: callerOf(ctx).userId, participants: body.participants }));
        ctx.status = created ? 201 : 200;
        const { userId: _, ...answer } = made;
        ctx.body = answer;
      },
  }),
  operation({
    method: 'get',
    path: '/reservations/mine',
    access: 'user',
    summary: 'The caller’s reservations',
    tags,
    responses: { 200: { description: 'newest first, at most 200, with theme, schedule and payment', schema: z.array(reservation) } },
    handler:
      ({ db }) =>
      async (ctx) => {
        ctx.body = await mine(db, callerOf(ctx).userId);
      },
  }),
  operation({
    method: 'get',
    path: '/reservations/:id',
    access: 'user',
    summary: 'One of the caller’s reservations',
    description: 'Also where a client polls a payment answered 202.',
    tags,
    params: idParams,
    responses: { 200: { description: 'the reservation', schema: reservation } },
    errors: ['RESERVATION_NOT_FOUND'],
    handler:
      ({ db }) =>
      async (ctx, { params }) => {
        const found = await visibleReservation(db, params.id, callerOf(ctx));
        if (!found) throw refuse('RESERVATION_NOT_FOUND');
        ctx.body = found;
      },
  }),
];
