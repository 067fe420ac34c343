import { getSchedule } from '../../actors/schedule/index.js';
import { AppError } from '../errors.js';
import { expectOk, sendJson } from '../replies.js';
import { popularQuery, themeSchedulesQuery, themesQuery } from '../schemas.js';
import { parseIdParams, parseQuery } from '../validate.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

const themeNotFound = () => new AppError(404, 'THEME_NOT_FOUND', 'no such theme');

export function catalogueRoutes({ actors, catalogue, guard }: AppDeps): Routes {
  const router = new Routes(guard);

  router.get('/stores', 'public', async (ctx) => {
    ctx.body = await catalogue.stores();
  });

  router.get('/themes', 'public', async (ctx) => {
    const { storeId } = parseQuery(ctx, themesQuery);
    ctx.body = await catalogue.themeList(storeId);
  });

  router.get('/themes/popular', 'public', async (ctx) => {
    const { days, limit } = parseQuery(ctx, popularQuery);
    ctx.body = await catalogue.popular(days, limit);
  });

  router.get('/themes/:id', 'public', async (ctx) => {
    const { id } = parseIdParams(ctx);
    ctx.body = (await catalogue.theme(id)) ?? throwIt(themeNotFound());
  });

  router.get('/themes/:id/schedules', 'public', async (ctx) => {
    const { id } = parseIdParams(ctx);
    const { date } = parseQuery(ctx, themeSchedulesQuery);
    sendJson(ctx, (await catalogue.themeSchedulesJson(id, date)) ?? throwIt(themeNotFound()));
  });

  router.get('/schedules/:id', 'public', async (ctx) => {
    const { id } = parseIdParams(ctx);
    ctx.body = expectOk(await getSchedule(actors.schedules, id)).schedule;
  });

  return router;
}

function throwIt(err: Error): never {
  throw err;
}
