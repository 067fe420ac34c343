import { z } from 'zod';
import { ACTOR_FAULTS, answerFor, refuse, Refusal } from '../../errors/catalogue.js';
import { languageOf, paymentMessage, type CancelOutcome, type Language, type OrderOutcome } from '../../payments/index.js';
import { hashRequest, once, type Answer } from '../../services/idempotency.js';
import { paymentAttempts, timeline, visibleReservation } from '../../services/reservations.js';
import { callerOf } from '../auth/middleware.js';
import { bookingEvent, canceled, cancelQuote, orderConfirmed, orderPending, paymentAttempt, reconciliation } from '../bodies.js';
import { cancelBody, idParams, orderBody, reconciliationQuery } from '../schemas.js';
import { operation, type HeaderDoc } from './table.js';

/** The header POST /orders reads; the document shows this very schema. */
const idempotencyKey: HeaderDoc = {
  name: 'Idempotency-Key',
  description: 'A retry with the same key and body gets the first answer back (with `Idempotent-Replayed: true`) and is never charged twice.',
  schema: z.string().min(1).max(300).optional(),
};

/** Where a client polls a payment whose outcome is not known yet: the reservation, whose status settles. */
const pollAt = (reservationId: number) => `/reservations/${reservationId}`;

function orderAnswer(outcome: OrderOutcome, language: Language): Answer {
  switch (outcome.kind) {
    case 'confirmed':
      return { status: 200, body: { reservationId: outcome.reservationId, status: 'CONFIRMED', payment: outcome.payment } };
    case 'declined': {
      const { kind: _, code, ...rest } = outcome;
      return { status: answerFor(code).status, body: { code, message: paymentMessage(code, language), ...rest } };
    }
    case 'pending':
      return { status: 202, body: { reservationId: outcome.reservationId, status: 'PAYMENT_PENDING', location: pollAt(outcome.reservationId), message: paymentMessage('PAYMENT_PENDING', language) } };
    case 'rejected':
      if (outcome.code === 'PAY_ON_SITE') throw refuse('PAY_ON_SITE', paymentMessage('PAY_ON_SITE', language), { payOnSite: true });
      if (outcome.code === 'RESERVATION_NOT_PAYABLE' && outcome.refund) throw refuse('RESERVATION_NOT_PAYABLE', undefined, { refund: outcome.refund });
      throw refuse(outcome.code);
  }
}

function cancelAnswer(outcome: CancelOutcome): unknown {
  if (outcome.kind === 'canceled') return { id: outcome.reservation.id, status: 'CANCELED', refund: outcome.refund };
  throw refuse(outcome.code);
}

const notFound = () => refuse('RESERVATION_NOT_FOUND');
const tags = ['Payments'];

export const PAYMENTS = [
  operation({
    method: 'post',
    path: '/orders',
    access: 'user',
    summary: 'Pay for a reservation',
    description:
      'Confirms the payment with the card gateway. A definite refusal answers our own `code` and message (English; Korean with `Accept-Language: ko`), the gateway’s `gatewayCode`, `attempts` (card declines so far) and `payOnSite`; nothing was charged. Without a definite answer: 202 and a `Location` to poll.',
    tags,
    body: orderBody,
    headers: [idempotencyKey],
    responses: {
      200: { description: 'paid: the reservation is CONFIRMED', schema: orderConfirmed },
      202: { description: 'no definite answer yet; poll `Location` (the reservation) until it is CONFIRMED or PENDING', schema: orderPending, headers: { Location: 'the reservation to poll' } },
    },
    errors: [
      'AMOUNT_MISMATCH',
      'ORDER_MISMATCH',
      'RESERVATION_NOT_FOUND',
      'RESERVATION_NOT_PAYABLE',
      'PAY_ON_SITE',
      'IDEMPOTENT_REQUEST_PROCESSING',
      'IDEMPOTENCY_KEY_REUSED',
      'PAYMENT_DECLINED',
      'PAYMENT_SESSION_INVALID',
      'PAYMENT_GATEWAY_ERROR',
      'PAYMENT_RETRY_LATER',
      ...ACTOR_FAULTS,
    ],
    handler:
      ({ db, payments }) =>
      async (ctx, { body: input }) => {
        const key = idempotencyKey.schema.safeParse(ctx.get('idempotency-key') || undefined);
        if (!key.success) throw refuse('INVALID_REQUEST', 'Idempotency-Key: at most 300 characters');
        const userId = callerOf(ctx).userId;
        const language = languageOf(ctx.get('accept-language') || undefined);
        const run = async (): Promise<Answer> => {
          try {
            return orderAnswer(await payments.placeOrder({ userId, ...input }), language);
          } catch (err) {
            // A refusal is an answer, and is kept for the key like any other.
            if (err instanceof Refusal && err.status < 500) return { status: err.status, body: { code: err.code, message: err.message, ...err.details } };
            throw err;
          }
        };
        const answer = key.data ? await once(db, { userId, scope: 'orders', key: key.data }, hashRequest(input), run) : { kind: 'answered' as const, answer: await run(), replayed: false };
        if (answer.kind === 'in-flight') throw refuse('IDEMPOTENT_REQUEST_PROCESSING');
        if (answer.kind === 'mismatch') throw refuse('IDEMPOTENCY_KEY_REUSED');
        if (answer.replayed) ctx.set('idempotent-replayed', 'true');
        ctx.status = answer.answer.status;
        ctx.body = answer.answer.body;
        if (answer.answer.status === 202) ctx.set('Location', pollAt(input.reservationId));
      },
  }),
  operation({
    method: 'post',
    path: '/reservations/:id/cancel',
    access: 'user',
    summary: 'Cancel a reservation',
    description: 'Refunds through the gateway (by the theme’s policy, see the cancel quote) and frees the schedule.',
    tags,
    params: idParams,
    body: cancelBody,
    responses: { 200: { description: 'canceled; `refund` says what was refunded', schema: canceled } },
    errors: ['RESERVATION_NOT_FOUND', 'NOT_CANCELABLE', ...ACTOR_FAULTS],
    handler:
      ({ payments }) =>
      async (ctx, { params, body }) => {
        ctx.body = cancelAnswer(await payments.cancel({ userId: callerOf(ctx).userId, reservationId: params.id, reason: body.reason }));
      },
  }),
  operation({
    method: 'get',
    path: '/reservations/:id/cancel-quote',
    access: 'user',
    summary: 'What a cancel now would refund',
    description: 'The theme’s cancellation policy applied at this moment.',
    tags,
    params: idParams,
    responses: { 200: { description: 'the quote', schema: cancelQuote } },
    errors: ['RESERVATION_NOT_FOUND'],
    handler:
      ({ payments }) =>
      async (ctx, { params }) => {
        const caller = callerOf(ctx);
        const quote = await payments.cancelQuote({ userId: caller.userId, isAdmin: caller.role === 'ADMIN', reservationId: params.id });
        if (!quote) throw notFound();
        ctx.body = quote;
      },
  }),
  operation({
    method: 'get',
    path: '/reservations/:id/payment-attempts',
    access: 'user',
    summary: 'Every payment attempt',
    tags,
    params: idParams,
    responses: { 200: { description: 'attempts with outcome and gateway code, oldest first', schema: z.array(paymentAttempt) } },
    errors: ['RESERVATION_NOT_FOUND'],
    handler:
      ({ db }) =>
      async (ctx, { params }) => {
        if (!(await visibleReservation(db, params.id, callerOf(ctx)))) throw notFound();
        ctx.body = await paymentAttempts(db, params.id);
      },
  }),
  operation({
    method: 'get',
    path: '/reservations/:id/timeline',
    access: 'user',
    summary: 'What happened to a reservation',
    tags,
    params: idParams,
    responses: { 200: { description: 'the reservation’s events (and the holds that led to it), oldest first', schema: z.array(bookingEvent) } },
    errors: ['RESERVATION_NOT_FOUND'],
    handler:
      ({ db }) =>
      async (ctx, { params }) => {
        const reservation = await visibleReservation(db, params.id, callerOf(ctx));
        if (!reservation) throw notFound();
        ctx.body = await timeline(db, reservation);
      },
  }),
  // The daily-style report: gateway money no booking explains, bookings the gateway holds no money for.
  operation({
    method: 'get',
    path: '/admin/payments/reconciliation',
    access: 'admin',
    summary: 'Gateway money no booking explains, bookings without gateway money',
    tags: ['Admin'],
    query: reconciliationQuery,
    responses: { 200: { description: 'both lists empty when the books agree', schema: reconciliation } },
    handler:
      ({ payments }) =>
      async (ctx, { query }) => {
        ctx.body = await payments.report({ since: query.since, ...(query.until ? { until: query.until } : {}) });
      },
  }),
];
