/**
 * Every `{code, message}` the API answers with, its status and what it means to a client. The
 * statuses are the ones `errors.ts`, `replies.ts` and the routes throw with; the route table names
 * codes from here, so a misspelt code does not typecheck.
 */
export const ERROR_CODES = {
  INVALID_REQUEST: [400, 'malformed JSON or HTTP, JSON nested deeper than 64, a wrong type, or a missing, unknown or out-of-range field; the message names the field'],
  REQUEST_ABORTED: [400, 'the connection closed before the body arrived in full'],
  SCHEDULE_IN_PAST: [400, 'this time slot has already started'],
  INVALID_PARTICIPANTS: [400, 'participants is outside the number of players this theme allows'],
  AMOUNT_MISMATCH: [400, 'amount does not match the reservation'],
  ORDER_MISMATCH: [400, 'orderId does not match the reservation'],
  UNAUTHORIZED: [401, 'the token (Bearer header or cookie) is missing, invalid or expired'],
  USER_NOT_FOUND: [401, 'the account the token was issued to no longer exists'],
  INVALID_CREDENTIALS: [401, 'the email or password is wrong'],
  FORBIDDEN: [403, 'the caller does not have the ADMIN role'],
  ORIGIN_REFUSED: [403, 'a write made with the login cookie came from an origin that is not allowed'],
  NOT_FOUND: [404, 'no such route'],
  METHOD_NOT_ALLOWED: [405, 'the route exists but not with this method; Allow names the methods it has'],
  REQUEST_TIMEOUT: [408, 'the headers and body did not arrive within REQUEST_TIMEOUT_MS; the connection is closed'],
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
  HOLD_LIMIT_REACHED: [409, 'the account holds, or has unpaid, as many time slots as it may; `limit` names the setting and `max` its value'],
  SCHEDULE_AVAILABLE: [409, 'the time slot is available: hold it instead of joining its waiting list'],
  SCHEDULE_ALREADY_YOURS: [409, 'the caller already holds or booked this time slot'],
  WAITLIST_LIMIT_REACHED: [409, 'the account is on as many waiting lists as it may (WAITLIST_MAX_PER_USER); `limit` names the setting and `max` its value'],
  IN_USE: [409, 'still referenced: remove what uses it first'],
  SCHEDULE_OVERLAP: [409, 'the theme would have two schedules running at once; the message names the field and the schedules'],
  PAYLOAD_TOO_LARGE: [413, 'the body is larger than 16 KiB'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'the body is not application/json'],
  HEADERS_TOO_LARGE: [431, 'the request headers are too large'],
  IDEMPOTENCY_KEY_REUSED: [422, 'this Idempotency-Key was used for a different request'],
  TOO_MANY_ATTEMPTS: [429, 'too many failed sign-ins or signups from this address or for this account; see Retry-After'],
  HOLD_RATE_LIMITED: [429, 'the account was granted too many holds in the last minute; see Retry-After'],
  TOO_BUSY: [503, 'too many sign-ins are waiting for the password check; see Retry-After'],
  NOT_IMPLEMENTED: [501, 'the method is not one this service implements'],
  DATABASE_UNAVAILABLE: [503, 'the database is unavailable; try again shortly'],
  ACTOR_TIMEOUT: [503, 'the booking service is busy; try again shortly'],
  WRITE_CONFLICT: [503, 'the time slot is changing too fast; try again'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Faults any command to a schedule actor may answer with: the command may or may not have applied. */
export const ACTOR_FAULTS = ['DATABASE_UNAVAILABLE', 'ACTOR_TIMEOUT', 'WRITE_CONFLICT'] as const satisfies readonly ErrorCode[];
