import type { AnyReply } from '../actors/schedule/index.js';
import type { AdminRejection } from '../services/admin.js';
import type { LoginResult, SignupResult } from '../services/auth.js';
import type { JoinOutcome } from '../db/repositories/waitlist.js';
import { paymentMessage, type PaymentMessageCode } from '../payments/messages.js';

/**
 * What a code means to a client: the HTTP status it is answered with and the message it carries
 * (a rejection may say more, naming the field or the limit). `as` answers it under another code:
 * a service's own reason that the client sees as, say, INVALID_REQUEST. `note` says more in the
 * API document than the message does.
 */
export interface ErrorEntry {
  readonly status: number;
  readonly message: string;
  readonly as?: string;
  readonly note?: string;
}

/** Every code an actor, a service or the HTTP layer answers with, in one place. */
type Answered =
  | Exclude<AnyReply, { ok: true }>['code']
  | AdminRejection
  | Exclude<SignupResult, { ok: true }>['code']
  | Exclude<LoginResult, { ok: true }>['code']
  | Extract<JoinOutcome, { kind: 'refused' }>['code']
  | 'WAITLIST_LIMIT_REACHED'
  | Exclude<PaymentMessageCode, 'PAYMENT_PENDING'>;

const declined = (code: PaymentMessageCode) => paymentMessage(code, 'en');

/**
 * The error catalogue. `satisfies Record<Answered, …>`: a reply code an actor or service gains
 * and this table lacks fails the typecheck. HTTP (`refuse`, `expectOk`), the command bus and the
 * OpenAPI document all read it.
 */
export const ERRORS = {
  // Requests the client must fix.
  INVALID_REQUEST: {
    status: 400,
    message: 'the request is malformed',
    note: 'malformed JSON or HTTP, JSON nested deeper than 64, a wrong type, or a missing, unknown or out-of-range field; the message names the field',
  },
  REQUEST_ABORTED: { status: 400, message: 'the connection closed before the body arrived in full' },
  SCHEDULE_IN_PAST: { status: 400, message: 'this time slot has already started' },
  INVALID_PARTICIPANTS: { status: 400, message: 'participants: outside the number of players this theme allows' },
  AMOUNT_MISMATCH: { status: 400, message: 'amount: does not match the reservation' },
  ORDER_MISMATCH: { status: 400, message: 'orderId: does not match the reservation' },
  INVALID_PLAYERS: { status: 400, as: 'INVALID_REQUEST', message: 'maxPlayers: must be at least minPlayers' },
  START_IN_PAST: { status: 400, as: 'INVALID_REQUEST', message: 'startTimes: a time slot asked for has already started' },
  SCHEDULES_OVERLAP: { status: 400, as: 'INVALID_REQUEST', message: 'startTimes: two time slots asked for overlap' },

  // Who is calling.
  UNAUTHORIZED: {
    status: 401,
    message: 'sign in first: the token is missing, invalid or expired',
    note: 'the token (Bearer header or cookie) is missing, invalid or expired, or its session has ended',
  },
  USER_NOT_FOUND: { status: 401, message: 'this account no longer exists; sign in again' },
  INVALID_CREDENTIALS: { status: 401, message: 'the email or password is wrong' },
  FORBIDDEN: { status: 403, message: 'this needs the ADMIN role' },
  ORIGIN_REFUSED: { status: 403, message: 'a write with the login cookie must come from an allowed origin' },

  // What is not there.
  NOT_FOUND: { status: 404, message: 'no such route' },
  SCHEDULE_NOT_FOUND: { status: 404, message: 'no such schedule' },
  THEME_NOT_FOUND: { status: 404, message: 'no such theme' },
  STORE_NOT_FOUND: { status: 404, message: 'no such store' },
  RESERVATION_NOT_FOUND: { status: 404, message: 'no such reservation', note: 'no such reservation, or it is not the caller’s' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'this method is not allowed on this route', note: 'the route exists but not with this method; Allow names the methods it has' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time', note: 'the headers and body did not arrive within REQUEST_TIMEOUT_MS; the connection is closed' },

  // The state of things refuses it.
  EMAIL_TAKEN: { status: 409, message: 'an account with this email exists' },
  SCHEDULE_NOT_AVAILABLE: { status: 409, message: 'this time slot is held or booked by someone else' },
  SCHEDULE_AVAILABLE: { status: 409, message: 'this time slot is available: hold it instead of waiting for it' },
  SCHEDULE_ALREADY_YOURS: { status: 409, message: 'you already hold or booked this time slot' },
  WAITLIST_LIMIT_REACHED: {
    status: 409,
    message: 'you are on as many waiting lists as one account may be',
    note: 'the account is on WAITLIST_MAX_PER_USER waiting lists already; `limit` names the setting and `max` its value',
  },
  SCHEDULE_NOT_BLOCKED: { status: 409, message: 'this time slot is not blocked' },
  NOT_HOLDER: { status: 409, message: 'you do not hold this time slot' },
  PAYMENT_IN_PROGRESS: { status: 409, message: 'a payment for this time slot is in progress' },
  HOLD_REQUIRED: { status: 409, message: 'hold the time slot before reserving it' },
  HOLD_EXPIRED: { status: 409, message: 'your hold on this time slot has expired; hold it again' },
  RESERVATION_EXISTS: { status: 409, message: 'you already have a reservation for this time slot' },
  RESERVATION_NOT_PAYABLE: { status: 409, message: 'this reservation cannot be paid: it is expired, canceled, paid, or its payment is in progress' },
  IDEMPOTENT_REQUEST_PROCESSING: { status: 409, message: 'a request with this Idempotency-Key is still being processed' },
  PAY_ON_SITE: { status: 409, message: declined('PAY_ON_SITE') },
  NOT_CANCELABLE: { status: 409, message: 'only a pending reservation, or a paid one until the cancel deadline, can be canceled' },
  NAME_TAKEN: { status: 409, message: 'that name is already used' },
  HOLD_LIMIT_REACHED: {
    status: 409,
    message: 'you have as many time slots held or unpaid as one account may',
    note: 'the account holds, or has unpaid, as many time slots as it may; `limit` names the setting and `max` its value',
  },
  IN_USE: { status: 409, message: 'still referenced: remove what uses it first' },
  SCHEDULE_OVERLAP: {
    status: 409,
    message: 'the theme would have two schedules running at once',
    note: 'the theme would have two schedules running at once; the message names the field and the schedules',
  },
  CONFLICT: { status: 409, message: 'this conflicts with existing data' },
  /** Internal: the reconciler and a live request settled the same attempt; never answered to a client. */
  ATTEMPT_SETTLED: { status: 409, message: 'the payment attempt was already settled' },

  // The request itself.
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the body is larger than 16 KiB' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as application/json' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'this Idempotency-Key was used for a different request' },
  PAYMENT_DECLINED: { status: 422, message: declined('PAYMENT_DECLINED') },
  PAYMENT_SESSION_INVALID: { status: 422, message: declined('PAYMENT_SESSION_INVALID') },
  TOO_MANY_ATTEMPTS: { status: 429, message: 'too many attempts', note: 'too many failed sign-ins or signups from this address or for this account; see Retry-After' },
  TOO_MANY_STREAMS: {
    status: 429,
    message: 'this address already holds as many live streams as one may',
    note: 'this address holds LIVE_STREAMS_PER_ADDRESS live streams already; `max` is the limit',
  },
  HOLD_RATE_LIMITED: { status: 429, message: 'you have taken too many holds in the last minute', note: 'the account was granted too many holds in the last minute; see Retry-After' },
  HEADERS_TOO_LARGE: { status: 431, message: 'the request headers are too large' },

  // Ours: try again, or a bug.
  INTERNAL_ERROR: { status: 500, message: 'something went wrong on our side' },
  ACTOR_FAILED: { status: 500, as: 'INTERNAL_ERROR', message: 'something went wrong on our side' },
  NOT_IMPLEMENTED: { status: 501, message: 'the method is not one this service implements' },
  PAYMENT_GATEWAY_ERROR: { status: 502, message: declined('PAYMENT_GATEWAY_ERROR') },
  DATABASE_UNAVAILABLE: { status: 503, message: 'the database is unavailable; try again shortly' },
  ACTOR_TIMEOUT: { status: 503, message: 'the booking service is busy; try again shortly' },
  WRITE_CONFLICT: { status: 503, message: 'the time slot is changing too fast; try again' },
  TOO_BUSY: { status: 503, message: 'too many sign-ins are being checked', note: 'too many sign-ins are waiting for the password check; see Retry-After' },
  PAYMENT_RETRY_LATER: { status: 503, message: declined('PAYMENT_RETRY_LATER') },
} as const satisfies Record<Answered, ErrorEntry> & Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERRORS;

/** A code as a client sees it: every code but those answered under another (`as`). */
export type WireCode = { [C in ErrorCode]: (typeof ERRORS)[C] extends { as: infer A } ? A : C }[ErrorCode];

/** The status, wire code and message a code is answered with; an unknown code is our fault. */
export function answerFor(code: string): { status: number; code: WireCode; message: string } {
  const entry: ErrorEntry | undefined = (ERRORS as Record<string, ErrorEntry>)[code];
  if (!entry) return { status: 500, code: 'INTERNAL_ERROR', message: ERRORS.INTERNAL_ERROR.message };
  return { status: entry.status, code: (entry.as ?? code) as WireCode, message: entry.message };
}

/** Faults any command to a schedule actor may answer with: the command may or may not have applied. */
export const ACTOR_FAULTS = ['DATABASE_UNAVAILABLE', 'ACTOR_TIMEOUT', 'WRITE_CONFLICT'] as const satisfies readonly WireCode[];

/** Details a rejection may carry beside `code` and `message`. `retryAfterSeconds` also goes out as Retry-After. */
export type Details = { limit?: string; max?: number; retryAfterSeconds?: number; [field: string]: unknown };

/**
 * A refusal by code, thrown by services and routes alike; the HTTP layer answers it with the
 * catalogue's status. Not an HTTP error: nothing here knows about responses.
 */
export class Refusal extends Error {
  readonly code: WireCode;
  readonly status: number;

  constructor(
    code: ErrorCode,
    message?: string,
    readonly details: Details = {},
  ) {
    // A refusal is an answer, not a bug: its stack is never shown or logged, and capturing one
    // costs more than the rest of a refused hold.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const answer = answerFor(code);
    super(message ?? answer.message);
    Error.stackTraceLimit = limit;
    this.name = 'Refusal';
    this.code = answer.code;
    this.status = answer.status;
  }
}

export const refuse = (code: ErrorCode, message?: string, details?: Details): Refusal => new Refusal(code, message, details);

/** An actor's or service's failed reply as a refusal; one that says more than its code names the limit, or when to try again. */
export function refusalOf(reply: { ok: boolean }): Refusal {
  const failed = reply as unknown as { code: ErrorCode } & Details;
  const code = failed.code;
  if (!hasDetails(failed)) return refuse(code);
  const { message } = answerFor(code);
  if (failed.limit) return refuse(code, `${message}: at most ${failed.max} (${failed.limit})`, { limit: failed.limit, max: failed.max });
  return refuse(code, `${message}; try again in ${failed.retryAfterSeconds} s`, { retryAfterSeconds: failed.retryAfterSeconds });
}

const hasDetails = (reply: object): boolean => 'limit' in reply || 'retryAfterSeconds' in reply;
