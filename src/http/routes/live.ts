import { dayStreamHandler, userStreamHandler } from '../live/streams.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

/** Live streams (text/event-stream); the handlers are in http/live. */
export function liveRoutes({ db, live, guard }: AppDeps): Routes {
  return new Routes(guard).get('/themes/:id/schedules/stream', 'public', dayStreamHandler(db, live)).get('/reservations/mine/stream', 'user', userStreamHandler(db, live));
}
