import Router from '@koa/router';
import { blockSchedule, unblockSchedule } from '../../actors/schedule/index.js';
import * as admin from '../../services/admin.js';
import { requireAuth } from '../auth/middleware.js';
import { AppError } from '../errors.js';
import { expectOk } from '../replies.js';
import { adminReservationsQuery, bulkSchedulesBody, loginHistoryQuery, storeBody, themeBody, themePatchBody } from '../schemas.js';
import { parseBody, parseIdParams, parseQuery } from '../validate.js';
import type { AppDeps } from '../deps.js';

const REJECTIONS: Record<admin.AdminRejection, [number, string]> = {
  STORE_NOT_FOUND: [404, 'no such store'],
  THEME_NOT_FOUND: [404, 'no such theme'],
  NAME_TAKEN: [409, 'that name is already used'],
  IN_USE: [409, 'still referenced: remove what uses it first'],
  INVALID_PLAYERS: [400, 'maxPlayers: must be at least minPlayers'],
  SCHEDULE_IN_PAST: [400, 'startTimes: a time slot asked for has already started'],
  SCHEDULES_OVERLAP: [400, 'startTimes: two time slots asked for overlap'],
  SCHEDULE_OVERLAP: [409, 'startTimes: overlaps a schedule the theme has'],
};

function unwrap<T>(result: admin.AdminResult<T>): T {
  if (result.ok) return result.value;
  const [status, message] = REJECTIONS[result.code];
  throw new AppError(status, status === 400 ? 'INVALID_REQUEST' : result.code, result.message ?? message);
}

export function adminRoutes({ db, actors, catalogue, jwtSecret }: AppDeps): Router {
  const router = new Router({ prefix: '/admin' });
  router.use(requireAuth(jwtSecret, 'ADMIN'));
  // Any admin write may change what the public catalogue shows.
  router.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET') catalogue.changed();
  });

  router.post('/stores', async (ctx) => {
    ctx.body = unwrap(await admin.createStore(db, { phone: null, ...(await parseBody(ctx, storeBody)) }));
    ctx.status = 201;
  });
  router.patch('/stores/:id', async (ctx) => {
    const { id } = parseIdParams(ctx);
    ctx.body = unwrap(await admin.editStore(db, id, await parseBody(ctx, storeBody.partial())));
  });
  router.delete('/stores/:id', async (ctx) => {
    unwrap(await admin.removeStore(db, parseIdParams(ctx).id));
    ctx.status = 204;
  });

  router.post('/themes', async (ctx) => {
    ctx.body = unwrap(await admin.createTheme(db, await parseBody(ctx, themeBody)));
    ctx.status = 201;
  });
  router.patch('/themes/:id', async (ctx) => {
    const { id } = parseIdParams(ctx);
    ctx.body = unwrap(await admin.editTheme(db, id, await parseBody(ctx, themePatchBody)));
  });
  router.delete('/themes/:id', async (ctx) => {
    unwrap(await admin.removeTheme(db, parseIdParams(ctx).id));
    ctx.status = 204;
  });

  router.post('/schedules', async (ctx) => {
    ctx.body = unwrap(await admin.createSchedules(db, await parseBody(ctx, bulkSchedulesBody)));
    ctx.status = 201;
  });
  router.post('/schedules/:id/block', async (ctx) => {
    ctx.body = expectOk(await blockSchedule(actors.schedules, parseIdParams(ctx).id)).schedule;
  });
  router.post('/schedules/:id/unblock', async (ctx) => {
    ctx.body = expectOk(await unblockSchedule(actors.schedules, parseIdParams(ctx).id)).schedule;
  });

  router.get('/reservations', async (ctx) => {
    ctx.body = await admin.reservations(db, parseQuery(ctx, adminReservationsQuery));
  });
  router.get('/login-history', async (ctx) => {
    ctx.body = await admin.loginHistory(db, parseQuery(ctx, loginHistoryQuery));
  });

  return router;
}
