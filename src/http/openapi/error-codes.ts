/**
 * Every `{code, message}` the API answers with, its status and what it means to a client. The
 * statuses are the ones `errors.ts`, `replies.ts` and the routes throw with; the route table names
 * codes from here, so a misspelt code does not typecheck.
 */
export const ERROR_CODES = {
  INVALID_REQUEST: [400, 'malformed JSON, a wrong type, or a missing, unknown or out-of-range field; the message names the field'],
  SCHEDULE_IN_PAST: [400, 'this time slot has already started'],
  INVALID_PARTICIPANTS: [400, 'participants is outside the number of players this theme allows'],
  AMOUNT_MISMATCH: [400, 'amount does not match the reservation'],
  ORDER_MISMATCH: [400, 'orderId does not match the reservation'],
  UNAUTHORIZED: [401, 'the token (Bearer header or cookie) is missing, invalid or expired'],
  INVALID_CREDENTIALS: [401, 'the email or password is wrong'],
  FORBIDDEN: [403, 'the caller does not have the ADMIN role'],
  NOT_FOUND: [404, 'no such route'],
  SCHEDULE_NOT_FOUND: [404, 'no such schedule'],
  THEME_NOT_FOUND: [404, 'no such theme'],
  STORE_NOT_FOUND: [404, 'no such store'],
  RESERVATION_NOT_FOUND: [404, 'no such reservation, or it is not the caller’s'],
  EMAIL_TAKEN: [409, 'an account with this email exists'],
  SCHEDULE_NOT_AVAILABLE: [409, 'this time slot is held or booked by someone else'],
  SCHEDULE_NOT_BLOCKED: [409, 'this time slot is not blocked'],
  NOT_HOLDER: [409, 'the caller does not hold this time slot'],
  PAYMENT_IN_PROGRESS: [409, 'a payment for this time slot is in progress'],
  HOLD_REQUIRED: [409, 'hold the time slot before reserving it'],
  HOLD_EXPIRED: [409, 'the hold on this time slot has expired; hold it again'],
  RESERVATION_EXISTS: [409, 'the caller already has a reservation for this time slot'],
  RESERVATION_NOT_PAYABLE: [409, 'the reservation is expired, canceled, already paid, or its payment is in progress'],
  IDEMPOTENT_REQUEST_PROCESSING: [409, 'a request with this Idempotency-Key is still being processed'],
  PAY_ON_SITE: [409, 'too many declined payments for this reservation: pay on site'],
  NOT_CANCELABLE: [409, 'only a pending reservation, or a paid one until the cancel deadline, can be canceled'],
  NAME_TAKEN: [409, 'that name is already used'],
  IN_USE: [409, 'still referenced: remove what uses it first'],
  PAYLOAD_TOO_LARGE: [413, 'the body is larger than 16 KiB'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'the body is not application/json'],
  IDEMPOTENCY_KEY_REUSED: [422, 'this Idempotency-Key was used for a different request'],
  DATABASE_UNAVAILABLE: [503, 'the database is unavailable; try again shortly'],
  ACTOR_TIMEOUT: [503, 'the booking service is busy; try again shortly'],
  WRITE_CONFLICT: [503, 'the time slot is changing too fast; try again'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Faults any command to a schedule actor may answer with: the command may or may not have applied. */
export const ACTOR_FAULTS = ['DATABASE_UNAVAILABLE', 'ACTOR_TIMEOUT', 'WRITE_CONFLICT'] as const satisfies readonly ErrorCode[];
