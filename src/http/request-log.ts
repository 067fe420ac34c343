import type { Context } from 'koa';
import type { Logger } from '../logger.js';

export interface RequestState {
  requestId: string;
  log?: Logger;
}

/** The request's logger, every line carrying its id; made on first use, as most requests never log. */
export function requestLog(ctx: Context, base: Logger): Logger {
  const state = ctx.state as Partial<RequestState>;
  if (!state.requestId) return base;
  return (state.log ??= base.child({ reqId: state.requestId }));
}
