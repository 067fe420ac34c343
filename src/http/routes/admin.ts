import { blockSchedule, unblockSchedule } from '../../actors/schedule/index.js';
import * as admin from '../../services/admin.js';
import { AppError } from '../errors.js';
import { expectOk } from '../replies.js';
import { adminReservationsQuery, bulkSchedulesBody, loginHistoryQuery, storeBody, themeBody, themePatchBody } from '../schemas.js';
import { parseBody, parseIdParams, parseQuery } from '../validate.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

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

export function adminRoutes({ db, actors, catalogue, guard }: AppDeps): Routes {
  const router = new Routes(guard, '/admin');
  // Any admin write may change what the public catalogue shows (only reached past a route's own check).
  router.router.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' && ctx.status < 400) catalogue.changed();
  });

  router.post('/stores', 'admin', async (ctx) => {
    ctx.body = unwrap(await admin.createStore(db, { phone: null, ...(await parseBody(ctx, storeBody)) }));
    ctx.status = 201;
  });
  router.patch('/stores/:id', 'admin', async (ctx) => {
    const { id } = parseIdParams(ctx);
    ctx.body = unwrap(await admin.editStore(db, id, await parseBody(ctx, storeBody.partial())));
  });
  router.delete('/stores/:id', 'admin', async (ctx) => {
    unwrap(await admin.removeStore(db, parseIdParams(ctx).id));
    ctx.status = 204;
  });

  router.post('/themes', 'admin', async (ctx) => {
    ctx.body = unwrap(await admin.createTheme(db, await parseBody(ctx, themeBody)));
    ctx.status = 201;
  });
  router.patch('/themes/:id', 'admin', async (ctx) => {
    const { id } = parseIdParams(ctx);
    ctx.body = unwrap(await admin.editTheme(db, id, await parseBody(ctx, themePatchBody)));
  });
  router.delete('/themes/:id', 'admin', async (ctx) => {
    unwrap(await admin.removeTheme(db, parseIdParams(ctx).id));
    ctx.status = 204;
  });

  router.post('/schedules', 'admin', async (ctx) => {
    ctx.body = unwrap(await admin.createSchedules(db, await parseBody(ctx, bulkSchedulesBody)));
    ctx.status = 201;
  });
  router.post('/schedules/:id/block', 'admin', async (ctx) => {
    ctx.body = expectOk(await blockSchedule(actors.schedules, parseIdParams(ctx).id)).schedule;
  });
  router.post('/schedules/:id/unblock', 'admin', async (ctx) => {
    ctx.body = expectOk(await unblockSchedule(actors.schedules, parseIdParams(ctx).id)).schedule;
  });

  router.get('/reservations', 'admin', async (ctx) => {
    ctx.body = await admin.reservations(db, parseQuery(ctx, adminReservationsQuery));
  });
  router.get('/login-history', 'admin', async (ctx) => {
    ctx.body = await admin.loginHistory(db, parseQuery(ctx, loginHistoryQuery));
  });

  return router;
}
