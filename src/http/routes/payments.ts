import type { Context } from 'koa';
import { z } from 'zod';
import { languageOf, paymentMessage, type CancelOutcome, type Language, type OrderOutcome } from '../../payments/index.js';
import { hashRequest, once, type Answer } from '../../services/idempotency.js';
import { paymentAttempts, timeline, visibleReservation } from '../../services/reservations.js';
import { callerOf } from '../auth/middleware.js';
import { AppError } from '../errors.js';
import { expectOk } from '../replies.js';
import { cancelBody, orderBody } from '../schemas.js';
import { parseBody, parseIdParams, parseQuery } from '../validate.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

const idempotencyKey = z.string().min(1).max(300).optional();

/** Where a client polls a payment whose outcome is not known yet: the reservation, whose status settles. */
const pollAt = (reservationId: number) => `/reservations/${reservationId}`;

function orderAnswer(outcome: OrderOutcome, language: Language): Answer {
  switch (outcome.kind) {
    case 'confirmed':
      return { status: 200, body: { reservationId: outcome.reservationId, status: 'CONFIRMED', payment: outcome.payment } };
    case 'declined': {
      const { httpStatus, kind: _, code, ...rest } = outcome;
      return { status: httpStatus, body: { code, message: paymentMessage(code, language), ...rest } };
    }
    case 'pending':
      return { status: 202, body: { reservationId: outcome.reservationId, status: 'PAYMENT_PENDING', location: pollAt(outcome.reservationId), message: paymentMessage('PAYMENT_PENDING', language) } };
    case 'rejected':
      if (outcome.code === 'PAY_ON_SITE') throw new AppError(409, 'PAY_ON_SITE', paymentMessage('PAY_ON_SITE', language), { payOnSite: true });
      if (outcome.code === 'RESERVATION_NOT_FOUND') throw new AppError(404, 'RESERVATION_NOT_FOUND', 'no such reservation');
      if (outcome.code === 'RESERVATION_NOT_PAYABLE') throw new AppError(409, 'RESERVATION_NOT_PAYABLE', 'this reservation cannot be paid: it is expired, canceled, paid, or its payment is in progress', outcome.refund ? { refund: outcome.refund } : {});
      if (outcome.code === 'AMOUNT_MISMATCH') throw new AppError(400, 'AMOUNT_MISMATCH', 'amount: does not match the reservation');
      if (outcome.code === 'ORDER_MISMATCH') throw new AppError(400, 'ORDER_MISMATCH', 'orderId: does not match the reservation');
      return expectOk({ ok: false, code: outcome.code }) as never;
  }
}

export const reconciliationQuery = z.object({
  since: z.string().datetime({ offset: true }).transform((s) => new Date(s)),
  until: z.string().datetime({ offset: true }).transform((s) => new Date(s)).optional(),
});

function cancelAnswer(outcome: CancelOutcome): unknown {
  if (outcome.kind === 'canceled') return { id: outcome.reservation.id, status: 'CANCELED', refund: outcome.refund };
  if (outcome.code === 'RESERVATION_NOT_FOUND') throw new AppError(404, 'RESERVATION_NOT_FOUND', 'no such reservation');
  if (outcome.code === 'NOT_CANCELABLE') throw new AppError(409, 'NOT_CANCELABLE', 'only a pending reservation, or a paid one until the cancel deadline, can be canceled');
  return expectOk({ ok: false, code: outcome.code });
}

export function paymentRoutes({ db, payments, guard }: AppDeps): Routes {
  const router = new Routes(guard);

  router.post('/orders', 'user', async (ctx: Context) => {
    const input = await parseBody(ctx, orderBody);
    const key = idempotencyKey.safeParse(ctx.get('idempotency-key') || undefined);
    if (!key.success) throw new AppError(400, 'INVALID_REQUEST', 'Idempotency-Key: at most 300 characters');
    const userId = callerOf(ctx).userId;
    const language = languageOf(ctx.get('accept-language') || undefined);
    const run = async () => {
      try {
        return orderAnswer(await payments.placeOrder({ userId, ...input }), language);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) return { status: err.status, body: { code: err.code, message: err.message, ...err.extra } };
        throw err;
      }
    };
    const answer = key.data ? await once(db, { userId, scope: 'orders', key: key.data }, hashRequest(input), run) : { kind: 'answered' as const, answer: await run(), replayed: false };
    if (answer.kind === 'in-flight') throw new AppError(409, 'IDEMPOTENT_REQUEST_PROCESSING', 'a request with this Idempotency-Key is still being processed');
    if (answer.kind === 'mismatch') throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    if (answer.replayed) ctx.set('idempotent-replayed', 'true');
    ctx.status = answer.answer.status;
    ctx.body = answer.answer.body;
    if (answer.answer.status === 202) ctx.set('Location', pollAt(input.reservationId));
  });

  router.get('/reservations/:id/cancel-quote', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    const caller = callerOf(ctx);
    const quote = await payments.cancelQuote({ userId: caller.userId, isAdmin: caller.role === 'ADMIN', reservationId: id });
    if (!quote) throw new AppError(404, 'RESERVATION_NOT_FOUND', 'no such reservation');
    ctx.body = quote;
  });

  // The daily-style report: gateway money no booking explains, bookings the gateway holds no money for.
  router.get('/admin/payments/reconciliation', 'admin', async (ctx) => {
    const period = parseQuery(ctx, reconciliationQuery);
    ctx.body = await payments.report({ since: period.since, ...(period.until ? { until: period.until } : {}) });
  });

  router.post('/reservations/:id/cancel', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    const { reason } = await parseBody(ctx, cancelBody);
    ctx.body = cancelAnswer(await payments.cancel({ userId: callerOf(ctx).userId, reservationId: id, reason }));
  });

  router.get('/reservations/:id/payment-attempts', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    if (!(await visibleReservation(db, id, callerOf(ctx)))) throw new AppError(404, 'RESERVATION_NOT_FOUND', 'no such reservation');
    ctx.body = await paymentAttempts(db, id);
  });

  router.get('/reservations/:id/timeline', 'user', async (ctx) => {
    const { id } = parseIdParams(ctx);
    const reservation = await visibleReservation(db, id, callerOf(ctx));
    if (!reservation) throw new AppError(404, 'RESERVATION_NOT_FOUND', 'no such reservation');
    ctx.body = await timeline(db, reservation);
  });

  return router;
}
