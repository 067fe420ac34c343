import { createReservation, holdSchedule, releaseSchedule } from '../../actors/schedule/index.js';
import { mine, visibleReservation } from '../../services/reservations.js';
import { callerOf } from '../auth/middleware.js';
import { AppError } from '../errors.js';
import { expectOk, okOrRefuse } from '../replies.js';
import { reservationBody } from '../schemas.js';
import { parseBody, parseIdParams } from '../validate.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

export function bookingRoutes({ db, actors, guard }: AppDeps): Routes {
  const router = new Routes(guard);

  router.post('/schedules/:id/hold', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    const held = okOrRefuse(ctx, await holdSchedule(actors.schedules, { scheduleId: id, userId: callerOf(ctx).userId }));
    if (held) ctx.body = held.hold;
  });

  router.delete('/schedules/:id/hold', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    expectOk(await releaseSchedule(actors.schedules, { scheduleId: id, userId: callerOf(ctx).userId }));
    ctx.status = 204;
  });

  router.post('/reservations', 'user', async (ctx) => {
    const { scheduleId, participants } = await parseBody(ctx, reservationBody);
    const { created, reservation } = expectOk(await createReservation(actors.schedules, { scheduleId, userId: callerOf(ctx).userId, participants }));
    ctx.status = created ? 201 : 200;
    const { userId: _, ...body } = reservation;
    ctx.body = body;
  });

  router.get('/reservations/mine', 'user', async (ctx) => {
    ctx.body = await mine(db, callerOf(ctx).userId);
  });

  router.get('/reservations/:id', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    const reservation = await visibleReservation(db, id, callerOf(ctx));
    if (!reservation) throw new AppError(404, 'RESERVATION_NOT_FOUND', 'no such reservation');
    ctx.body = reservation;
  });

  return router;
}
