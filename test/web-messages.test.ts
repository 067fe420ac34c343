import test from 'ava';
import { ApiError } from '../web/api.js';
import { describe } from '../web/messages.js';

test('web messages: a refusal that names its wait says how long, in seconds or minutes', (t) => {
  t.is(describe(new ApiError(503, 'TOO_BUSY', 'busy', { retryAfterSeconds: 40 })), 'Too many people are signing in right now. Try again in 40 s.');
  t.is(describe(new ApiError(429, 'TOO_MANY_ATTEMPTS', 'slow down', { retryAfterSeconds: 840 })), 'Too many attempts. Try again in 14 min.');
  t.is(describe(new ApiError(429, 'HOLD_RATE_LIMITED', 'slow down')), 'You have taken too many holds in a short time. Wait a little before trying again.');
});

test('web messages: other refusals keep their sentence, and an invalid form names what is wrong', (t) => {
  t.is(describe(new ApiError(409, 'SCHEDULE_NOT_AVAILABLE', 'taken', { retryAfterSeconds: 3 })), 'Someone else is holding or has booked this time slot. Pick another.');
  t.is(describe(new ApiError(400, 'INVALID_REQUEST', 'participants: too many')), 'Something in the form is not valid: participants: too many');
});
