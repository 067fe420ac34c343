import { ApiError } from './api.js';

// What the page says for each code the API answers with: what happened and what to do.
const MESSAGES: Record<string, string> = {
  NETWORK: 'The service cannot be reached. Check your connection and try again.',
  INVALID_REQUEST: 'Something in the form is not valid',
  UNAUTHORIZED: 'Please log in first.',
  USER_NOT_FOUND: 'This account no longer exists. Log in again.',
  INVALID_CREDENTIALS: 'The email or password is wrong.',
  FORBIDDEN: 'Only an administrator may do that.',
  ORIGIN_REFUSED: 'This request did not come from the booking page; reload it and try again.',
  NOT_FOUND: 'That page or item does not exist.',
  SCHEDULE_NOT_FOUND: 'That time slot no longer exists.',
  THEME_NOT_FOUND: 'That theme no longer exists.',
  STORE_NOT_FOUND: 'That store no longer exists.',
  RESERVATION_NOT_FOUND: 'That reservation does not exist.',
  EMAIL_TAKEN: 'An account with this email already exists. Log in instead.',
  SCHEDULE_NOT_AVAILABLE: 'Someone else is holding or has booked this time slot. Pick another.',
  SCHEDULE_NOT_BLOCKED: 'That time slot is not blocked.',
  SCHEDULE_IN_PAST: 'That time slot has already started.',
  NOT_HOLDER: 'You are not holding this time slot (any more).',
  PAYMENT_IN_PROGRESS: 'A payment for this time slot is in progress.',
  HOLD_REQUIRED: 'Hold the time slot first, then reserve it.',
  HOLD_EXPIRED: 'Your hold has expired. Hold the time slot again.',
  INVALID_PARTICIPANTS: 'That number of players is not allowed for this theme.',
  RESERVATION_EXISTS: 'You already have a reservation for this time slot.',
  RESERVATION_NOT_PAYABLE: 'This reservation can no longer be paid (expired, canceled, paid, or a payment is running).',
  IDEMPOTENT_REQUEST_PROCESSING: 'Your payment is still being processed. Wait a moment.',
  PAY_ON_SITE: 'Too many declined payments for this reservation: please pay on site.',
  NOT_CANCELABLE: 'This reservation can no longer be canceled.',
  NAME_TAKEN: 'That name is already used.',
  IN_USE: 'It is still in use; remove what uses it first.',
  SCHEDULE_OVERLAP: 'Those times would overlap with another session of the theme.',
  HOLD_LIMIT_REACHED: 'You already hold or have unpaid as many time slots as one account may. Finish or release one first.',
  HOLD_RATE_LIMITED: 'You have taken too many holds in a short time.',
  TOO_MANY_ATTEMPTS: 'Too many attempts.',
  TOO_MANY_STREAMS: 'Too many live views are open from this address. Close a tab.',
  TOO_BUSY: 'Too many people are signing in right now.',
  DATABASE_UNAVAILABLE: 'The service is temporarily unavailable. Try again shortly.',
  ACTOR_TIMEOUT: 'The booking service is busy. Try again shortly.',
  WRITE_CONFLICT: 'This time slot is changing fast. Try again.',
  PAYLOAD_TOO_LARGE: 'That is too much text.',
  AMOUNT_MISMATCH: 'The paid amount does not match the reservation. Nothing was charged.',
  ORDER_MISMATCH: 'The payment was for another order. Nothing was charged.',
  PAYMENT_DECLINED: 'The card was declined; nothing was charged.',
  PAYMENT_SESSION_INVALID: 'The payment session is no longer valid; start the payment again. Nothing was charged.',
  PAYMENT_GATEWAY_ERROR: 'The card gateway could not take the payment; nothing was charged.',
  PAYMENT_RETRY_LATER: 'The card company had a temporary problem; nothing was charged. Try again shortly.',
  PAY_PROCESS_CANCELED: 'You canceled the payment. Nothing was charged.',
  INTERNAL_ERROR: 'Something went wrong on our side. Try again.',
};

/** Refusals that say how long to wait (`retryAfterSeconds`, as Retry-After): the page says it too. */
const WAITS = new Set(['HOLD_RATE_LIMITED', 'TOO_MANY_ATTEMPTS', 'TOO_MANY_STREAMS', 'TOO_BUSY']);

const waitFor = (seconds: unknown) =>
  typeof seconds === 'number' && seconds > 0 ? ` Try again in ${seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`}.` : ' Wait a little before trying again.';

/** The sentence the page shows for a failure (the API's own message where it says more). */
export function describe(err: unknown): string {
  if (!(err instanceof ApiError)) return MESSAGES.INTERNAL_ERROR!;
  const base = MESSAGES[err.code];
  if (err.code === 'INVALID_REQUEST') return `${base}: ${err.message}`;
  if (base && WAITS.has(err.code)) return base + waitFor(err.details.retryAfterSeconds);
  return base ?? err.message ?? MESSAGES.INTERNAL_ERROR!;
}

export const messageFor = (code: string, fallback?: string) => MESSAGES[code] ?? fallback ?? code;
