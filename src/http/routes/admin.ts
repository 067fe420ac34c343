import { z } from 'zod';
import { blockSchedule, unblockSchedule } from '../../actors/schedule/index.js';
import { ACTOR_FAULTS, refuse } from '../../errors/catalogue.js';
import * as admin from '../../services/admin.js';
import { loginAttempt, reservation, schedule, schedulesCreated, store, theme } from '../bodies.js';
import type { AppDeps } from '../deps.js';
import { expectOk } from '../replies.js';
import { adminReservationsQuery, bulkSchedulesBody, idParams, loginHistoryQuery, storeBody, themeBody, themePatchBody } from '../schemas.js';
import { operation } from './table.js';

/** The value, or the refusal its code stands for (the catalogue's status; the service's message when it names the field). */
function unwrap<T>(result: admin.AdminResult<T>): T {
  if (result.ok) return result.value;
  throw refuse(result.code, result.message);
}

/** Any admin write may change what the public catalogue shows: its caches hear of each one that succeeded. */
const changed = (deps: AppDeps) => deps.catalogue.changed();

const tags = ['Admin'];

export const ADMIN = [
  operation({
    method: 'post',
    path: '/admin/stores',
    access: 'admin',
    summary: 'Create a store',
    tags,
    body: storeBody,
    responses: { 201: { description: 'the store', schema: store } },
    errors: ['NAME_TAKEN'],
    handler:
      (deps) =>
      async (ctx, { body }) => {
        ctx.body = unwrap(await admin.createStore(deps.db, { phone: null, ...body }));
        ctx.status = 201;
        changed(deps);
      },
  }),
  operation({
    method: 'patch',
    path: '/admin/stores/:id',
    access: 'admin',
    summary: 'Edit a store',
    tags,
    params: idParams,
    body: storeBody.partial(),
    responses: { 200: { description: 'the store', schema: store } },
    errors: ['STORE_NOT_FOUND', 'NAME_TAKEN'],
    handler:
      (deps) =>
      async (ctx, { params, body }) => {
        ctx.body = unwrap(await admin.editStore(deps.db, params.id, body));
        changed(deps);
      },
  }),
  operation({
    method: 'delete',
    path: '/admin/stores/:id',
    access: 'admin',
    summary: 'Remove a store',
    tags,
    params: idParams,
    responses: { 204: { description: 'removed' } },
    errors: ['STORE_NOT_FOUND', 'IN_USE'],
    handler:
      (deps) =>
      async (ctx, { params }) => {
        unwrap(await admin.removeStore(deps.db, params.id));
        ctx.status = 204;
        changed(deps);
      },
  }),
  operation({
    method: 'post',
    path: '/admin/themes',
    access: 'admin',
    summary: 'Create a theme',
    tags,
    body: themeBody,
    responses: { 201: { description: 'the theme', schema: theme } },
    errors: ['STORE_NOT_FOUND', 'NAME_TAKEN'],
    handler:
      (deps) =>
      async (ctx, { body }) => {
        ctx.body = unwrap(await admin.createTheme(deps.db, body));
        ctx.status = 201;
        changed(deps);
      },
  }),
  operation({
    method: 'patch',
    path: '/admin/themes/:id',
    access: 'admin',
    summary: 'Edit a theme',
    description: 'A longer durationMinutes is refused (409 SCHEDULE_OVERLAP, naming durationMinutes) when two of the theme’s schedules not yet over would then overlap.',
    tags,
    params: idParams,
    body: themePatchBody,
    responses: { 200: { description: 'the theme', schema: theme } },
    errors: ['THEME_NOT_FOUND', 'NAME_TAKEN', 'SCHEDULE_OVERLAP'],
    handler:
      (deps) =>
      async (ctx, { params, body }) => {
        ctx.body = unwrap(await admin.editTheme(deps.db, params.id, body));
        changed(deps);
      },
  }),
  operation({
    method: 'delete',
    path: '/admin/themes/:id',
    access: 'admin',
    summary: 'Remove a theme',
    tags,
    params: idParams,
    responses: { 204: { description: 'removed' } },
    errors: ['THEME_NOT_FOUND', 'IN_USE'],
    handler:
      (deps) =>
      async (ctx, { params }) => {
        unwrap(await admin.removeTheme(deps.db, params.id));
        ctx.status = 204;
        changed(deps);
      },
  }),
  operation({
    method: 'post',
    path: '/admin/schedules',
    access: 'admin',
    summary: 'Create a theme’s schedules in bulk',
    description:
      'One schedule per date in [from, to] (at most 366 days) and start time; existing ones are kept. All or nothing: 400 INVALID_REQUEST when a slot asked for has already started in Asia/Seoul (naming from, or startTimes for today) or when two slots asked for start less than the theme’s durationMinutes apart (naming startTimes); 409 SCHEDULE_OVERLAP when one would overlap a schedule the theme already has (naming startTimes).',
    tags,
    body: bulkSchedulesBody,
    responses: { 201: { description: 'how many were asked for and created, and the new schedules', schema: schedulesCreated } },
    errors: ['THEME_NOT_FOUND', 'SCHEDULE_OVERLAP'],
    handler:
      (deps) =>
      async (ctx, { body }) => {
        ctx.body = unwrap(await admin.createSchedules(deps.db, body));
        ctx.status = 201;
        changed(deps);
      },
  }),
  operation({
    method: 'post',
    path: '/admin/schedules/:id/block',
    access: 'admin',
    summary: 'Block a time slot',
    tags,
    params: idParams,
    responses: { 200: { description: 'the schedule, BLOCKED', schema: schedule } },
    errors: ['SCHEDULE_NOT_AVAILABLE', 'SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS],
    handler:
      (deps) =>
      async (ctx, { params }) => {
        ctx.body = expectOk(await blockSchedule(deps.actors.schedules, params.id)).schedule;
        changed(deps);
      },
  }),
  operation({
    method: 'post',
    path: '/admin/schedules/:id/unblock',
    access: 'admin',
    summary: 'Unblock a time slot',
    tags,
    params: idParams,
    responses: { 200: { description: 'the schedule, AVAILABLE', schema: schedule } },
    errors: ['SCHEDULE_NOT_BLOCKED', 'SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS],
    handler:
      (deps) =>
      async (ctx, { params }) => {
        ctx.body = expectOk(await unblockSchedule(deps.actors.schedules, params.id)).schedule;
        changed(deps);
      },
  }),
  operation({
    method: 'get',
    path: '/admin/reservations',
    access: 'admin',
    summary: 'Reservations by date and status',
    tags,
    query: adminReservationsQuery,
    responses: { 200: { description: 'reservations', schema: z.array(reservation) } },
    handler:
      ({ db }) =>
      async (ctx, { query }) => {
        ctx.body = await admin.reservations(db, query);
      },
  }),
  operation({
    method: 'get',
    path: '/admin/login-history',
    access: 'admin',
    summary: 'Login attempts, newest first',
    tags,
    query: loginHistoryQuery,
    responses: { 200: { description: 'attempts with ip and user agent', schema: z.array(loginAttempt) } },
    handler:
      ({ db }) =>
      async (ctx, { query }) => {
        ctx.body = await admin.loginHistory(db, query);
      },
  }),
];
