import { z, type ZodTypeAny } from 'zod';
import {
  adminReservationsQuery,
  bulkSchedulesBody,
  cancelBody,
  idParams,
  loginBody,
  loginHistoryQuery,
  orderBody,
  popularQuery,
  reservationBody,
  signupBody,
  storeBody,
  themeBody,
  themePatchBody,
  themeSchedulesQuery,
  themesQuery,
} from '../schemas.js';
import { reconciliationQuery } from '../routes/payments.js';
import { assetParams } from './assets.js';
import { ACTOR_FAULTS, type ErrorCode } from './error-codes.js';

/** Who may call a route: anyone, any signed-in user, or a user with the ADMIN role. */
export type Auth = 'none' | 'bearer' | 'admin';

export interface HeaderDoc {
  name: string;
  description: string;
  schema: ZodTypeAny;
}

/**
 * One route as the OpenAPI document shows it. The schemas are the very objects the route
 * validates with; INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN and the body errors are added from
 * what a route takes and its `auth`, so `errors` lists only what is particular to the route.
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI style: `/schedules/{id}/hold`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: Auth;
  params?: ZodTypeAny;
  query?: ZodTypeAny;
  body?: ZodTypeAny;
  headers?: HeaderDoc[];
  /** Success statuses and what their body is. */
  ok: Record<number, string>;
  /** The media type of a success body; JSON unless said, none for a 204. */
  produces?: string;
  errors?: ErrorCode[];
  /** What a request that fails its schemas gets; INVALID_REQUEST unless said. */
  invalid?: ErrorCode;
  /** Any other status the route can answer with, and the component schema of its body. */
  otherwise?: { description: string; component: 'Error' | 'PaymentDeclined' };
}

/** The header POST /orders reads; the same limits as the check in routes/payments.ts. */
const idempotencyKey: HeaderDoc = {
  name: 'Idempotency-Key',
  description: 'A retry with the same key and body gets the first answer back (with `Idempotent-Replayed: true`) and is never charged twice.',
  schema: z.string().min(1).max(300).optional(),
};

export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'The process is up', tags: ['Operations'], auth: 'none', ok: { 200: '`{ok: true}`' } },
  { method: 'get', path: '/readyz', summary: 'The database answers', tags: ['Operations'], auth: 'none', ok: { 200: '`{ok: true, database: "up"}`' }, errors: ['DATABASE_UNAVAILABLE'] },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Counters for dashboards',
    tags: ['Operations'],
    auth: 'none',
    produces: 'text/plain',
    ok: { 200: 'Prometheus text: requests by route, hold and payment outcomes, actors, the history buffer' },
  },

  { method: 'post', path: '/auth/signup', summary: 'Create an account', tags: ['Auth'], auth: 'none', body: signupBody, ok: { 201: '`{id, email, name, role}`' }, errors: ['EMAIL_TAKEN', 'TOO_MANY_ATTEMPTS', 'TOO_BUSY'] },
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in',
    description: 'Sets the `token` HttpOnly cookie as well. Every attempt goes to the login history.',
    tags: ['Auth'],
    auth: 'none',
    body: loginBody,
    ok: { 200: '`{token, user}`' },
    errors: ['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS', 'TOO_BUSY'],
  },
  { method: 'post', path: '/auth/logout', summary: 'Sign out (clears the cookie)', tags: ['Auth'], auth: 'none', ok: { 204: 'the cookie is cleared' } },
  { method: 'get', path: '/auth/me', summary: 'The signed-in user', tags: ['Auth'], auth: 'bearer', ok: { 200: '`{id, email, name, role}`' } },

  { method: 'get', path: '/stores', summary: 'List stores', tags: ['Catalogue'], auth: 'none', ok: { 200: '`[{id, name, address, phone}]`' } },
  { method: 'get', path: '/themes', summary: 'List themes', tags: ['Catalogue'], auth: 'none', query: themesQuery, ok: { 200: '`[{id, storeId, name, description, price, durationMinutes, minPlayers, maxPlayers, difficulty}]`' } },
  { method: 'get', path: '/themes/popular', summary: 'Most-reserved themes of the last days', tags: ['Catalogue'], auth: 'none', query: popularQuery, ok: { 200: 'themes, most reserved first' } },
  { method: 'get', path: '/themes/{id}', summary: 'One theme', tags: ['Catalogue'], auth: 'none', params: idParams, ok: { 200: 'the theme' }, errors: ['THEME_NOT_FOUND'] },
  {
    method: 'get',
    path: '/themes/{id}/schedules',
    summary: 'A theme’s schedules on a day',
    description: 'The date is an Asia/Seoul date; for today only the schedules that have not started.',
    tags: ['Catalogue'],
    auth: 'none',
    params: idParams,
    query: themeSchedulesQuery,
    ok: { 200: '`[{id, themeId, date, startTime, status}]`' },
    errors: ['THEME_NOT_FOUND'],
  },
  { method: 'get', path: '/schedules/{id}', summary: 'One schedule', tags: ['Catalogue'], auth: 'none', params: idParams, ok: { 200: '`{id, themeId, date, startTime, status, holdExpiresAt?}`' }, errors: ['SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS] },

  {
    method: 'post',
    path: '/schedules/{id}/hold',
    summary: 'Hold a time slot',
    description: 'The same user holding again gets the same hold back.',
    tags: ['Booking'],
    auth: 'bearer',
    params: idParams,
    ok: { 200: '`{scheduleId, status: "HOLD", holdExpiresAt}`' },
    errors: ['SCHEDULE_NOT_AVAILABLE', 'SCHEDULE_NOT_FOUND', 'SCHEDULE_IN_PAST', 'HOLD_LIMIT_REACHED', 'HOLD_RATE_LIMITED', 'USER_NOT_FOUND', ...ACTOR_FAULTS],
  },
  { method: 'delete', path: '/schedules/{id}/hold', summary: 'Release a hold', tags: ['Booking'], auth: 'bearer', params: idParams, ok: { 204: 'released' }, errors: ['NOT_HOLDER', 'PAYMENT_IN_PROGRESS', 'SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS] },
  {
    method: 'post',
    path: '/reservations',
    summary: 'Reserve a held time slot',
    description: 'Needs the caller’s live hold on the schedule.',
    tags: ['Booking'],
    auth: 'bearer',
    body: reservationBody,
    ok: { 201: '`{id, scheduleId, status: "PENDING", orderId, amount, participants, expiresAt, paymentAttempts}`', 200: 'the caller’s existing reservation for this hold, unchanged' },
    errors: ['HOLD_REQUIRED', 'HOLD_EXPIRED', 'RESERVATION_EXISTS', 'INVALID_PARTICIPANTS', 'SCHEDULE_IN_PAST', 'SCHEDULE_NOT_FOUND', 'HOLD_LIMIT_REACHED', ...ACTOR_FAULTS],
  },
  {
    method: 'post',
    path: '/schedules/{id}/waitlist',
    summary: 'Join a time slot’s waiting list',
    description: 'Only for a slot that is held, booked or blocked and has not started. When it frees, the first eligible waiter is given a hold on it until `offerExpiresAt` (WAITLIST_OFFER_TTL_MS) and completes it with POST /reservations and POST /orders; an offer not taken passes to the next. Joining again returns the same entry.',
    tags: ['Waiting list'],
    auth: 'bearer',
    params: idParams,
    ok: { 201: '`{id, scheduleId, position, status: "WAITING"}`', 200: 'the caller’s open entry on this list, unchanged' },
    errors: ['SCHEDULE_AVAILABLE', 'SCHEDULE_IN_PAST', 'SCHEDULE_NOT_FOUND', 'SCHEDULE_ALREADY_YOURS', 'WAITLIST_LIMIT_REACHED', 'DATABASE_UNAVAILABLE'],
  },
  {
    method: 'delete',
    path: '/schedules/{id}/waitlist',
    summary: 'Leave a waiting list',
    description: 'Leaving with an open offer declines it: the slot passes to the next waiter, or frees.',
    tags: ['Waiting list'],
    auth: 'bearer',
    params: idParams,
    ok: { 204: 'left (or was not on the list)' },
    errors: ['SCHEDULE_NOT_FOUND', 'DATABASE_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/waitlist/mine',
    summary: 'The caller’s waiting-list entries',
    tags: ['Waiting list'],
    auth: 'bearer',
    ok: { 200: '`[{id, scheduleId, theme, date, startTime, status: WAITING|OFFERED|ACCEPTED|EXPIRED|LEFT, position, offerExpiresAt?}]`, newest first' },
  },
  {
    method: 'get',
    path: '/admin/schedules/{id}/waitlist',
    summary: 'A time slot’s waiting list',
    tags: ['Admin'],
    auth: 'admin',
    params: idParams,
    ok: { 200: '`[{id, scheduleId, userId, status, position, joinedAt, offeredAt, offerExpiresAt}]`, in join order' },
    errors: ['SCHEDULE_NOT_FOUND'],
  },
  { method: 'get', path: '/reservations/mine', summary: 'The caller’s reservations', tags: ['Booking'], auth: 'bearer', ok: { 200: 'reservations with theme, schedule and payment summary' } },
  { method: 'get', path: '/reservations/{id}', summary: 'One of the caller’s reservations', tags: ['Booking'], auth: 'bearer', params: idParams, ok: { 200: 'the reservation' }, errors: ['RESERVATION_NOT_FOUND'] },

  {
    method: 'post',
    path: '/orders',
    summary: 'Pay for a reservation',
    description:
      'Confirms the payment with the card gateway. A definite refusal answers our own `code` and message (English; Korean with `Accept-Language: ko`), the gateway’s `gatewayCode`, `attempts` (card declines so far) and `payOnSite`; nothing was charged. Without a definite answer: 202 and a `Location` to poll.',
    tags: ['Payments'],
    auth: 'bearer',
    body: orderBody,
    headers: [idempotencyKey],
    otherwise: { description: 'nothing was charged: 422 PAYMENT_DECLINED / PAYMENT_SESSION_INVALID, 502 PAYMENT_GATEWAY_ERROR, 503 PAYMENT_RETRY_LATER', component: 'PaymentDeclined' },
    ok: { 200: '`{reservationId, status: "CONFIRMED", payment}`', 202: '`{reservationId, status: "PAYMENT_PENDING", location, message}`: no definite answer yet; poll `Location` (the reservation) until it is CONFIRMED or PENDING' },
    errors: ['AMOUNT_MISMATCH', 'ORDER_MISMATCH', 'RESERVATION_NOT_FOUND', 'RESERVATION_NOT_PAYABLE', 'PAY_ON_SITE', 'IDEMPOTENT_REQUEST_PROCESSING', 'IDEMPOTENCY_KEY_REUSED', ...ACTOR_FAULTS],
  },
  {
    method: 'post',
    path: '/reservations/{id}/cancel',
    summary: 'Cancel a reservation',
    description: 'Refunds through the gateway and frees the schedule.',
    tags: ['Payments'],
    auth: 'bearer',
    params: idParams,
    body: cancelBody,
    ok: { 200: '`{id, status: "CANCELED", refund}`' },
    errors: ['RESERVATION_NOT_FOUND', 'NOT_CANCELABLE', ...ACTOR_FAULTS],
  },
  { method: 'get', path: '/reservations/{id}/cancel-quote', summary: 'What a cancel now would refund', description: 'The theme’s cancellation policy applied at this moment: `refundPercent`, `refundAmount`, `cancelable`, `cancelableUntil`.', tags: ['Payments'], auth: 'bearer', params: idParams, ok: { 200: 'the quote' }, errors: ['RESERVATION_NOT_FOUND'] },
  { method: 'get', path: '/reservations/{id}/payment-attempts', summary: 'Every payment attempt', tags: ['Payments'], auth: 'bearer', params: idParams, ok: { 200: 'attempts with outcome and gateway code' }, errors: ['RESERVATION_NOT_FOUND'] },
  { method: 'get', path: '/reservations/{id}/timeline', summary: 'What happened to a reservation', tags: ['Payments'], auth: 'bearer', params: idParams, ok: { 200: 'the reservation’s events in order' }, errors: ['RESERVATION_NOT_FOUND'] },

  { method: 'post', path: '/admin/stores', summary: 'Create a store', tags: ['Admin'], auth: 'admin', body: storeBody, ok: { 201: 'the store' }, errors: ['NAME_TAKEN'] },
  { method: 'patch', path: '/admin/stores/{id}', summary: 'Edit a store', tags: ['Admin'], auth: 'admin', params: idParams, body: storeBody.partial(), ok: { 200: 'the store' }, errors: ['STORE_NOT_FOUND', 'NAME_TAKEN'] },
  { method: 'delete', path: '/admin/stores/{id}', summary: 'Remove a store', tags: ['Admin'], auth: 'admin', params: idParams, ok: { 204: 'removed' }, errors: ['STORE_NOT_FOUND', 'IN_USE'] },
  { method: 'post', path: '/admin/themes', summary: 'Create a theme', tags: ['Admin'], auth: 'admin', body: themeBody, ok: { 201: 'the theme' }, errors: ['STORE_NOT_FOUND', 'NAME_TAKEN'] },
  {
    method: 'patch',
    path: '/admin/themes/{id}',
    summary: 'Edit a theme',
    description: 'A longer durationMinutes is refused (409 SCHEDULE_OVERLAP, naming durationMinutes) when two of the theme’s schedules not yet over would then overlap.',
    tags: ['Admin'],
    auth: 'admin',
    params: idParams,
    body: themePatchBody,
    ok: { 200: 'the theme' },
    errors: ['THEME_NOT_FOUND', 'NAME_TAKEN', 'SCHEDULE_OVERLAP'],
  },
  { method: 'delete', path: '/admin/themes/{id}', summary: 'Remove a theme', tags: ['Admin'], auth: 'admin', params: idParams, ok: { 204: 'removed' }, errors: ['THEME_NOT_FOUND', 'IN_USE'] },
  {
    method: 'post',
    path: '/admin/schedules',
    summary: 'Create a theme’s schedules in bulk',
    description:
      'One schedule per date in [from, to] (at most 366 days) and start time; existing ones are kept. All or nothing: 400 INVALID_REQUEST when a slot asked for has already started in Asia/Seoul (naming from, or startTimes for today) or when two slots asked for start less than the theme’s durationMinutes apart (naming startTimes); 409 SCHEDULE_OVERLAP when one would overlap a schedule the theme already has (naming startTimes).',
    tags: ['Admin'],
    auth: 'admin',
    body: bulkSchedulesBody,
    ok: { 201: '`{requested, created, schedules}`' },
    errors: ['THEME_NOT_FOUND', 'SCHEDULE_OVERLAP'],
  },
  { method: 'post', path: '/admin/schedules/{id}/block', summary: 'Block a time slot', tags: ['Admin'], auth: 'admin', params: idParams, ok: { 200: 'the schedule' }, errors: ['SCHEDULE_NOT_AVAILABLE', 'SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS] },
  { method: 'post', path: '/admin/schedules/{id}/unblock', summary: 'Unblock a time slot', tags: ['Admin'], auth: 'admin', params: idParams, ok: { 200: 'the schedule' }, errors: ['SCHEDULE_NOT_BLOCKED', 'SCHEDULE_NOT_FOUND', ...ACTOR_FAULTS] },
  { method: 'get', path: '/admin/reservations', summary: 'Reservations by date and status', tags: ['Admin'], auth: 'admin', query: adminReservationsQuery, ok: { 200: 'reservations' } },
  { method: 'get', path: '/admin/payments/reconciliation', summary: 'Gateway money no booking explains, bookings without gateway money', tags: ['Admin'], auth: 'admin', query: reconciliationQuery, ok: { 200: '`{since, until, complete, chargedWithoutBooking[], bookedWithoutPayment[], refundsPending[]}`' } },
  { method: 'get', path: '/admin/login-history', summary: 'Login attempts, newest first', tags: ['Admin'], auth: 'admin', query: loginHistoryQuery, ok: { 200: 'attempts with ip and user agent' } },

  { method: 'get', path: '/openapi.json', summary: 'This document', tags: ['Docs'], auth: 'none', ok: { 200: 'the OpenAPI document' } },
  { method: 'get', path: '/docs', summary: 'This document, rendered', tags: ['Docs'], auth: 'none', produces: 'text/html', ok: { 200: 'an HTML page' } },
  { method: 'get', path: '/docs/assets/{file}', summary: 'The page’s scripts and styles', tags: ['Docs'], auth: 'none', params: assetParams, invalid: 'NOT_FOUND', produces: '*/*', ok: { 200: 'the file' } },
];
