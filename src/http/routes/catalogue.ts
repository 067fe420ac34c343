import { z } from 'zod';
import { getSchedule } from '../../actors/schedule/index.js';
import { ACTOR_FAULTS, refuse } from '../../errors/catalogue.js';
import { listing, popularTheme, schedule, store, theme } from '../bodies.js';
import { expectOk, sendJson } from '../replies.js';
import { idParams, popularQuery, themeSchedulesQuery, themesQuery } from '../schemas.js';
import { operation } from './table.js';

const themeNotFound = () => refuse('THEME_NOT_FOUND');
const tags = ['Catalogue'];

export const CATALOGUE = [
  operation({
    method: 'get',
    path: '/stores',
    access: 'public',
    summary: 'List stores',
    tags,
    responses: { 200: { description: 'every store', schema: z.array(store) } },
    errors: ['DATABASE_UNAVAILABLE'],
    handler:
      ({ catalogue }) =>
      async (ctx) => {
        ctx.body = await catalogue.stores();
      },
  }),
  operation({
    method: 'get',
    path: '/themes',
    access: 'public',
    summary: 'List themes',
    tags,
    query: themesQuery,
    responses: { 200: { description: 'the themes, of one store when `storeId` is given', schema: z.array(theme) } },
    errors: ['DATABASE_UNAVAILABLE'],
    handler:
      ({ catalogue }) =>
      async (ctx, { query }) => {
        ctx.body = await catalogue.themeList(query.storeId);
      },
  }),
  operation({
    method: 'get',
    path: '/themes/popular',
    access: 'public',
    summary: 'Most-reserved themes of the last days',
    tags,
    query: popularQuery,
    responses: { 200: { description: 'themes, most reserved first', schema: z.array(popularTheme) } },
    errors: ['DATABASE_UNAVAILABLE'],
    handler:
      ({ catalogue }) =>
      async (ctx, { query }) => {
        ctx.body = await catalogue.popular(query.days, query.limit);
      },
  }),
  operation({
    method: 'get',
    path: '/themes/:id',
    access: 'public',
    summary: 'One theme',
    tags,
    params: idParams,
    responses: { 200: { description: 'the theme', schema: theme } },
    errors: ['THEME_NOT_FOUND', 'DATABASE_UNAVAILABLE'],
    handler:
      ({ catalogue }) =>
      async (ctx, { params }) => {
        const found = await catalogue.theme(params.id);
        if (!found) throw themeNotFound();
        ctx.body = found;
      },
  }),
  operation({
    method: 'get',
    path: '/themes/:id/schedules',
    access: 'public',
    summary: 'A theme’s schedules on a day',
    description: 'The date is an Asia/Seoul date; for today only the schedules that have not started.',
    tags,
    params: idParams,
    query: themeSchedulesQuery,
    responses: { 200: { description: 'the day’s schedules in start order', schema: z.array(listing) } },
    errors: ['THEME_NOT_FOUND', 'DATABASE_UNAVAILABLE'],
    handler:
      ({ catalogue }) =>
      async (ctx, { params, query }) => {
        const json = await catalogue.themeSchedulesJson(params.id, query.date);
        if (json === null) throw themeNotFound();
        sendJson(ctx, json);
      },
  }),
  operation({
    method: 'get',
    path: '/schedules/:id',
    access: 'public',
    summary: 'One schedule',
    tags,
    params: idParams,
    responses: { 200: { description: 'the schedule, as its actor sees it now', schema: schedule } },
    errors: ['SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS],
    handler:
      ({ actors }) =>
      async (ctx, { params }) => {
        ctx.body = expectOk(await getSchedule(actors.schedules, params.id)).schedule;
      },
  }),
];
