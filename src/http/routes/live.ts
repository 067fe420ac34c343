import { text } from '../bodies.js';
import { dayStreamHandler, userStreamHandler } from '../live/streams.js';
import { idParams, themeSchedulesQuery } from '../schemas.js';
import { operation } from './table.js';

const tags = ['Live'];
const stream = { description: 'an event stream', type: 'text/event-stream', schema: text };

/** Live streams (text/event-stream); the handlers are in http/live. */
export const LIVE = [
  operation({
    method: 'get',
    path: '/themes/:id/schedules/stream',
    access: 'public',
    summary: 'A theme’s schedules on a day, live (server-sent events)',
    description:
      '`event: snapshot` (the GET /themes/{id}/schedules body), then `event: schedule` `{id, status, holdExpiresAt?, version}` on every change, each with `id: <scheduleId>.<version>`. Reconnect with `Last-Event-ID` to get what was missed (or a fresh snapshot). Comments every 15 s keep it open; a client that stops reading is dropped.',
    tags,
    params: idParams,
    query: themeSchedulesQuery,
    responses: { 200: stream },
    errors: ['THEME_NOT_FOUND', 'TOO_MANY_STREAMS'],
    handler: ({ db, live }) => dayStreamHandler(db, live),
  }),
  operation({
    method: 'get',
    path: '/reservations/mine/stream',
    access: 'user',
    summary: 'The caller’s reservations and holds, live (server-sent events)',
    description:
      '`event: reservations` (the GET /reservations/mine body) at once and after every change of one; `event: hold` `{scheduleId, status, holdExpiresAt, version}` for each change of a hold of the caller’s.',
    tags,
    responses: { 200: stream },
    errors: ['TOO_MANY_STREAMS'],
    handler: ({ db, live }) => userStreamHandler(db, live),
  }),
];
