import type { RouteDoc } from '../openapi/routes.js';
import { idParams, themeSchedulesQuery } from '../schemas.js';

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

  ...(['/', '/checkout/success', '/checkout/fail'] as const).map(
    (path): RouteDoc => ({ method: 'get', path, summary: path === '/' ? 'The booking web app' : 'The web app, where the checkout returns', tags: ['Web app'], auth: 'none', produces: 'text/html', ok: { 200: 'an HTML page' } }),
  ),
  { method: 'get', path: '/app/app.js', summary: 'The web app’s script (bundled at start)', tags: ['Web app'], auth: 'none', produces: 'text/javascript', ok: { 200: 'the script' } },
  { method: 'get', path: '/app/app.css', summary: 'The web app’s style sheet', tags: ['Web app'], auth: 'none', produces: 'text/css', ok: { 200: 'the style sheet' } },
];
