import type { Context } from 'koa';
import type { Db } from '../../db/knex.js';
import type { ScheduleChange } from '../../services/live/change.js';
import { openDayStream } from '../../services/live/day-stream.js';
import type { LiveHub } from '../../services/live/hub.js';
import type { EventStream } from '../../services/live/stream.js';
import { openUserStream } from '../../services/live/user-stream.js';
import { callerOf } from '../auth/middleware.js';
import { refuse } from '../../errors/catalogue.js';
import { takeSocket } from './take-socket.js';

const LAST_EVENT_ID = /^\d{1,12}\.\d{1,12}$/;

const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' };

/**
 * The stream of a request: its headers and first text go out when it opens, on the connection
 * taken out of node:http (takeSocket), so the response and the Koa context do not live on with it.
 * `begin` sets the stream's headers and tells Koa not to answer: the stream does.
 */
function streamFor<P>(ctx: Context, hub: LiveHub): { stream: EventStream<P>; begin: () => void } {
  const res = ctx.res;
  const stream = hub.stream<P>(res, ctx.ip || 'unknown', (first) => takeSocket(res, first));
  if (!stream) {
    throw refuse('TOO_MANY_STREAMS', `at most ${hub.options.streamsPerAddress} live streams per address; close one first`, { max: hub.options.streamsPerAddress, retryAfterSeconds: 5 });
  }
  const begin = () => {
    ctx.status = 200;
    ctx.respond = false;
    for (const [name, value] of Object.entries(SSE_HEADERS)) res.setHeader(name, value);
  };
  return { stream, begin };
}

async function opened(stream: EventStream<unknown>, open: () => Promise<void>): Promise<void> {
  try {
    await open();
  } catch (err) {
    stream.end('closed');
    throw err;
  }
}

/** GET /themes/:id/schedules/stream?date= */
export function dayStreamHandler(db: Db, hub: LiveHub) {
  return async (ctx: Context, { params, query }: { params: { id: number }; query: { date: string } }) => {
    const id = params.id;
    const date = query.date;
    const given = ctx.get('last-event-id');
    const lastEventId = LAST_EVENT_ID.test(given) ? given : undefined;
    const { stream, begin } = streamFor<ScheduleChange>(ctx, hub);
    await opened(stream as EventStream<unknown>, async () => {
      const result = await openDayStream(db, hub, stream, { themeId: id, date, lastEventId }, begin);
      if (!result.ok) throw refuse('THEME_NOT_FOUND');
    });
  };
}

/** GET /reservations/mine/stream */
export function userStreamHandler(db: Db, hub: LiveHub) {
  return async (ctx: Context) => {
    const { userId } = callerOf(ctx);
    const { stream, begin } = streamFor<unknown>(ctx, hub);
    await opened(stream, () => openUserStream(db, hub, stream, userId, begin));
  };
}
