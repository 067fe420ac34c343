import type { Context } from 'koa';
import type { Db } from '../../db/knex.js';
import type { ScheduleChange } from '../../services/live/change.js';
import { openDayStream } from '../../services/live/day-stream.js';
import type { LiveHub } from '../../services/live/hub.js';
import type { EventStream } from '../../services/live/stream.js';
import { openUserStream } from '../../services/live/user-stream.js';
import { callerOf } from '../auth/middleware.js';
import { refuse } from '../../errors/catalogue.js';

const LAST_EVENT_ID = /^\d{1,12}\.\d{1,12}$/;

/** The stream's response: written by the stream itself, headers once it knows it will answer. */
function streamFor<P>(ctx: Context, hub: LiveHub): { stream: EventStream<P>; begin: () => void } {
  const stream = hub.stream<P>(ctx.res, ctx.ip || 'unknown');
  if (!stream) {
    throw refuse('TOO_MANY_STREAMS', `at most ${hub.options.streamsPerAddress} live streams per address; close one first`, { max: hub.options.streamsPerAddress, retryAfterSeconds: 5 });
  }
  const begin = () => {
    ctx.status = 200;
    ctx.respond = false;
    const res = ctx.res;
    res.socket?.setNoDelay(true);
    res.socket?.setTimeout(0);
    // No chunked encoding: the body is the frames as they are and ends with the connection (a
    // stream ends no other way). Node then writes a frame with one socket write, not a chunk's
    // three under a cork lifted on the next tick, which with thousands of streams was most of the
    // JavaScript time a change cost.
    res.removeHeader('transfer-encoding');
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close', 'X-Accel-Buffering': 'no' });
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
