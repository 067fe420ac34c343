import type { RouteDoc } from '../openapi/routes.js';
import { idParams, themeSchedulesQuery } from '../schemas.js';
import { assetParams, checkoutParams } from '../web/page.js';

/** The live streams and the web app, as the OpenAPI document lists them. */
export const LIVE_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/themes/{id}/schedules/stream',
    summary: 'A theme’s schedules on a day, live (server-sent events)',
    description:
      '`event: snapshot` (the GET /themes/{id}/schedules body), then `event: schedule` `{id, status, holdExpiresAt?, version}` on every change, each with `id: <scheduleId>.<version>`. Reconnect with `Last-Event-ID` to get what was missed (or a fresh snapshot). Comments every 15 s keep it open; a client that stops reading is dropped.',
    tags: ['Live'],
    auth: 'none',
    params: idParams,
    query: themeSchedulesQuery,
    produces: 'text/event-stream',
    ok: { 200: 'an event stream' },
    errors: ['THEME_NOT_FOUND', 'TOO_MANY_STREAMS'],
  },
  {
    method: 'get',
    path: '/reservations/mine/stream',
    summary: 'The caller’s reservations and holds, live (server-sent events)',
    description: '`event: reservations` (the GET /reservations/mine body) at once and after every change of one; `event: hold` `{scheduleId, status, holdExpiresAt, version}` for each change of a hold of the caller’s.',
    tags: ['Live'],
    auth: 'bearer',
    produces: 'text/event-stream',
    ok: { 200: 'an event stream' },
    errors: ['TOO_MANY_STREAMS'],
  },

  { method: 'get', path: '/', summary: 'The booking web app', tags: ['Web app'], auth: 'none', produces: 'text/html', ok: { 200: 'an HTML page' } },
  { method: 'get', path: '/checkout/{result}', summary: 'The web app, where the checkout returns (success or fail)', tags: ['Web app'], auth: 'none', params: checkoutParams, invalid: 'NOT_FOUND', produces: 'text/html', ok: { 200: 'an HTML page' } },
  { method: 'get', path: '/app/{file}', summary: 'The web app’s script and style sheet (app.js, app.css; bundled at start)', tags: ['Web app'], auth: 'none', params: assetParams, invalid: 'NOT_FOUND', produces: '*/*', ok: { 200: 'the file' } },
];
