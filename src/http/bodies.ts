import { z, type ZodRawShape } from 'zod';

/**
 * What the routes answer, as the JSON on the wire (a Date is its ISO string). Objects are strict:
 * a field a route sends and its schema lacks fails the response check in the test suite, so the
 * published document cannot fall behind the code.
 */
const object = <S extends ZodRawShape>(shape: S) => z.object(shape).strict();

const id = z.number().int().positive();
const instant = z.string().datetime({ offset: true });
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('an Asia/Seoul date, YYYY-MM-DD');
const time = z
  .string()
  .regex(/^\d{2}:\d{2}$/)
  .describe('an Asia/Seoul time, HH:MM');
const money = z.number().int().min(0).describe('KRW');

export const scheduleStatus = z.enum(['AVAILABLE', 'HOLD', 'RESERVED', 'BLOCKED']);
export const reservationStatus = z.enum(['PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED', 'EXPIRED', 'CANCELED']);

export const okBody = object({ ok: z.literal(true) });
export const readyBody = object({ ok: z.literal(true), database: z.literal('up') });
export const text = z.string();

export const user = object({ id, email: z.string(), name: z.string(), role: z.enum(['USER', 'ADMIN']) });
export const loginAnswer = object({ token: z.string().describe('a JWT; also set as the `token` HttpOnly cookie'), user });

export const store = object({ id, name: z.string(), address: z.string(), phone: z.string().nullable() });
export const theme = object({
  id,
  storeId: id,
  name: z.string(),
  description: z.string(),
  price: money,
  durationMinutes: z.number().int(),
  minPlayers: z.number().int(),
  maxPlayers: z.number().int(),
  difficulty: z.number().int().min(1).max(5),
});
export const popularTheme = theme.extend({ reservations: z.number().int().min(0).describe('reservations in the period') }).strict();

export const listing = object({ id, themeId: id, date, startTime: time, status: scheduleStatus });
export const schedule = listing.extend({ holdExpiresAt: instant.optional().describe('while HOLD') }).strict();
export const hold = object({ scheduleId: id, status: z.literal('HOLD'), holdExpiresAt: instant });

/** A reservation as the actor answers it (POST /reservations). */
export const reservationSummary = object({
  id,
  scheduleId: id,
  status: reservationStatus,
  orderId: z.string(),
  amount: money,
  participants: z.number().int(),
  expiresAt: instant.describe('an unpaid reservation lapses then'),
  paymentAttempts: z.number().int().min(0).describe('card declines so far'),
});

/** A reservation with its theme, schedule and payment (the reads). */
export const reservation = object({
  id,
  scheduleId: id,
  userId: id,
  status: reservationStatus,
  orderId: z.string(),
  amount: money,
  participants: z.number().int(),
  expiresAt: instant,
  createdAt: instant,
  canceledAt: instant.nullable(),
  cancelReason: z.string().nullable(),
  theme: object({ id, name: z.string(), storeId: id }),
  schedule: object({ id, date, startTime: time, startsAt: instant }),
  payment: object({ paymentKey: z.string(), amount: money, status: z.string(), method: z.string().nullable(), approvedAt: instant.nullable(), refundedAmount: money }).nullable(),
});

export const paymentSummary = object({ paymentKey: z.string(), orderId: z.string(), amount: money, method: z.string().nullable(), status: z.string(), approvedAt: instant.nullable() });
export const orderConfirmed = object({ reservationId: id, status: z.literal('CONFIRMED'), payment: paymentSummary });
export const orderPending = object({ reservationId: id, status: z.literal('PAYMENT_PENDING'), location: z.string().describe('poll it: the reservation'), message: z.string() });

export const refundState = z
  .discriminatedUnion('status', [
    object({ status: z.literal('DONE'), amount: money }),
    object({ status: z.literal('PENDING'), amount: money, reason: z.string() }),
    object({ status: z.literal('NONE'), amount: z.literal(0) }),
  ])
  .describe('DONE: refunded; PENDING: recorded, being sent to the gateway; NONE: nothing was paid');
export const canceled = object({ id, status: z.literal('CANCELED'), refund: refundState.nullable() });

export const cancelQuote = object({
  reservationId: id,
  status: reservationStatus,
  cancelable: z.boolean(),
  cancelableUntil: instant,
  startsAt: instant,
  paidAmount: money,
  refundPercent: z.number().int().min(0).max(100),
  refundAmount: money,
  policy: z.array(object({ before: z.number().int().min(0).describe('minutes before the start'), percent: z.number().int().min(0).max(100) })),
  quotedAt: instant,
});

export const paymentAttempt = object({
  id,
  reservationId: id,
  orderId: z.string(),
  paymentKey: z.string(),
  amount: money,
  outcome: z.enum(['APPROVED', 'DECLINED', 'RETRYABLE', 'UNKNOWN']).nullable().describe('null while the gateway call runs'),
  success: z.boolean(),
  code: z.string().nullable(),
  gatewayCode: z.string().nullable(),
  at: instant,
  settledAt: instant.nullable(),
});

export const bookingEvent = object({
  id,
  scheduleId: id,
  userId: id.nullable(),
  reservationId: id.nullable(),
  type: z.enum(['HELD', 'OFFERED', 'RELEASED', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED', 'PAYMENT_DECLINED', 'EXPIRED', 'CANCELED', 'REFUNDED']),
  detail: z.record(z.unknown()).optional(),
  at: instant,
});

export const schedulesCreated = object({ requested: z.number().int(), created: z.number().int(), schedules: z.array(listing) });

export const loginAttempt = object({ id, userId: id.nullable(), email: z.string(), success: z.boolean(), ip: z.string().nullable(), userAgent: z.string().nullable(), at: instant });

export const reconciliation = object({
  since: instant,
  until: instant,
  complete: z.boolean().describe('false when the gateway’s transactions could not be read: the lists then prove nothing'),
  gatewayTransactions: z.number().int().min(0),
  chargedWithoutBooking: z.array(object({ orderId: z.string(), paymentKey: z.string(), atGateway: z.number().int(), kept: z.number().int(), reservationStatus: z.string().nullable() })),
  bookedWithoutPayment: z.array(object({ reservationId: id, orderId: z.string(), paid: z.number().int().nullable(), atGateway: z.number().int() })),
  refundsPending: z.array(object({ refundId: id, orderId: z.string(), amount: money })),
});

/** The OpenAPI document itself, in outline: its operations are what this file and the route table say. */
export const openApi = z
  .object({
    openapi: z.literal('3.1.0'),
    info: object({ title: z.string(), version: z.string(), description: z.string() }),
    tags: z.array(object({ name: z.string() })),
    paths: z.record(
      z.string(),
      z.record(z.string(), z.object({ operationId: z.string(), summary: z.string(), responses: z.record(z.string(), z.object({ description: z.string() }).passthrough()) }).passthrough()),
    ),
    components: z.object({ schemas: z.record(z.string(), z.object({}).passthrough()), securitySchemes: z.record(z.string(), z.object({ type: z.string() }).passthrough()) }).strict(),
  })
  .strict();

const waitlistStatus = z.enum(['WAITING', 'OFFERED', 'ACCEPTED', 'EXPIRED', 'LEFT']);
const waitlistEntryShape = { id, scheduleId: id, position: z.number().int().positive().nullable().describe('1 for the next waiter to be offered; null unless WAITING'), status: waitlistStatus };
export const waitlistEntry = object(waitlistEntryShape);
export const myWaitlistEntry = object({
  ...waitlistEntryShape,
  theme: z.string(),
  date,
  startTime: time,
  offerExpiresAt: instant.optional().describe('while OFFERED: when the offer (a hold) lapses'),
});
export const scheduleWaitlistEntry = object({ ...waitlistEntryShape, userId: id, joinedAt: instant, offeredAt: instant.nullable(), offerExpiresAt: instant.nullable() });

/** Fields an error may carry beside `code` and `message`, by code. */
export const errorDetails: Record<string, ZodRawShape> = {
  HOLD_LIMIT_REACHED: { limit: z.enum(['MAX_ACTIVE_HOLDS_PER_USER', 'MAX_PENDING_PER_USER']).describe('the setting reached'), max: z.number().int().describe('its value') },
  HOLD_RATE_LIMITED: { retryAfterSeconds: z.number().int() },
  TOO_MANY_ATTEMPTS: { retryAfterSeconds: z.number().int() },
  TOO_BUSY: { retryAfterSeconds: z.number().int() },
  WAITLIST_LIMIT_REACHED: { limit: z.literal('WAITLIST_MAX_PER_USER').describe('the setting reached'), max: z.number().int().describe('its value') },
  TOO_MANY_STREAMS: { max: z.number().int(), retryAfterSeconds: z.number().int() },
  PAY_ON_SITE: { payOnSite: z.literal(true) },
  RESERVATION_NOT_PAYABLE: { refund: refundState.nullable().optional().describe('when an approval came for a reservation already gone, what was refunded') },
  PAYMENT_DECLINED: paymentDeclinedShape(),
  PAYMENT_SESSION_INVALID: paymentDeclinedShape(),
  PAYMENT_GATEWAY_ERROR: paymentDeclinedShape(),
  PAYMENT_RETRY_LATER: paymentDeclinedShape(),
};

function paymentDeclinedShape(): ZodRawShape {
  return {
    gatewayCode: z.string().describe('the card gateway’s own code (e.g. REJECT_CARD_COMPANY)'),
    attempts: z.number().int().describe('card declines on this reservation so far'),
    payOnSite: z.boolean().describe('true once no more attempts are allowed: pay at the store'),
  };
}
