import type { ScheduleRegistry } from './registry.js';
import type { Failure, PaymentOutcome, Replies, ScheduleCommand } from './protocol.js';

type Answer<K extends keyof Replies> = Promise<Replies[K] | Failure>;

/** Hold: the hold (new, or the caller's own again), or SCHEDULE_NOT_AVAILABLE / SCHEDULE_IN_PAST / SCHEDULE_NOT_FOUND. */
export const holdSchedule = (r: ScheduleRegistry, i: { scheduleId: number; userId: number }): Answer<'Hold'> => r.ask(i.scheduleId, { type: 'Hold', userId: i.userId });

/** Release: ok, or NOT_HOLDER when the caller holds nothing here, PAYMENT_IN_PROGRESS while its payment runs. */
export const releaseSchedule = (r: ScheduleRegistry, i: { scheduleId: number; userId: number }): Answer<'Release'> => r.ask(i.scheduleId, { type: 'Release', userId: i.userId });

/** CreateReservation: a PENDING reservation (or the caller's existing one), or HOLD_REQUIRED / HOLD_EXPIRED / INVALID_PARTICIPANTS. */
export const createReservation = (r: ScheduleRegistry, i: { scheduleId: number; userId: number; participants: number }): Answer<'CreateReservation'> =>
  r.ask(i.scheduleId, { type: 'CreateReservation', userId: i.userId, participants: i.participants });

/** Expire: what lapsed (a hold, a reservation) or nothing; the actor re-checks the deadline itself. */
export const expireSchedule = (r: ScheduleRegistry, scheduleId: number): Answer<'Expire'> => r.ask(scheduleId, { type: 'Expire' });

/** Block: the blocked schedule, or SCHEDULE_NOT_AVAILABLE when someone holds or booked it. */
export const blockSchedule = (r: ScheduleRegistry, scheduleId: number): Answer<'Block'> => r.ask(scheduleId, { type: 'Block' });

/** Unblock: the schedule, available again, or SCHEDULE_NOT_BLOCKED. */
export const unblockSchedule = (r: ScheduleRegistry, scheduleId: number): Answer<'Unblock'> => r.ask(scheduleId, { type: 'Unblock' });

/** Get: the schedule as the actor knows it, lapsed holds shown as AVAILABLE. */
export const getSchedule = (r: ScheduleRegistry, scheduleId: number): Answer<'Get'> => r.ask(scheduleId, { type: 'Get' });

/** BeginPayment: the reservation, now PAYMENT_IN_PROGRESS, and its attempt's id; or RESERVATION_NOT_PAYABLE / AMOUNT_MISMATCH / ORDER_MISMATCH / RESERVATION_NOT_FOUND / PAY_ON_SITE. */
export const beginPayment = (r: ScheduleRegistry, i: Omit<Extract<ScheduleCommand, { type: 'BeginPayment' }>, 'type'> & { scheduleId: number }): Answer<'BeginPayment'> => {
  const { scheduleId, ...command } = i;
  return r.ask(scheduleId, { type: 'BeginPayment', ...command });
};

/** SettlePayment: the reservation after the gateway's answer; RESERVATION_NOT_PAYABLE when an approval found it gone, ATTEMPT_SETTLED when someone settled the attempt first. */
export const settlePayment = (r: ScheduleRegistry, i: { scheduleId: number; reservationId: number; attemptId: number | null; outcome: PaymentOutcome }): Answer<'SettlePayment'> =>
  r.ask(i.scheduleId, { type: 'SettlePayment', reservationId: i.reservationId, attemptId: i.attemptId, outcome: i.outcome });

/** Cancel: the canceled reservation and the refund owed (if any); or NOT_CANCELABLE / RESERVATION_NOT_FOUND. */
export const cancelReservation = (
  r: ScheduleRegistry,
  i: { scheduleId: number; userId: number; reservationId: number; reason: string; deadlineMinutes: number; refundAmount?: number },
): Answer<'Cancel'> => {
  const { scheduleId, ...command } = i;
  return r.ask(scheduleId, { type: 'Cancel', ...command });
};
