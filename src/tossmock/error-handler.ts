import type { Context, Middleware } from 'koa';
import { languageOf, TossError } from './error-codes.js';

export function sendTossError(ctx: Context, err: TossError): void {
  ctx.status = err.status;
  ctx.body = err.toBody(languageOf(ctx.get('accept-language') || undefined));
}

/**
 * Registered first. Toss errors become `{code, message}`; anything else is a
 * bug in the mock, so it is reported through Koa's error event and answered
 * with a generic 500 in Toss's shape.
 */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof TossError) {
        sendTossError(ctx, err);
        return;
      }
      ctx.app.emit('error', err, ctx);
      sendTossError(ctx, new TossError('FAILED_INTERNAL_SYSTEM_PROCESSING'));
    }
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.body = { code: 'NOT_FOUND', message: `${ctx.method} ${ctx.path} is not a Toss API route` };
      ctx.status = 404;
    }
  };
}
