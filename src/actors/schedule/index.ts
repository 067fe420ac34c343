export { ScheduleRegistry, type RegistryOptions, type RegistryStats } from './registry.js';
export type { ScheduleActorDeps } from './actor.js';
export type { Failure, HoldView, Replies, ReplyTo, ReservationSummary, ScheduleCommand, ScheduleView, CommandType, AnyReply } from './protocol.js';
export { decide, type DecideEnv } from './decide.js';
export type { Decision, BookingEventType } from './decision.js';
export { holdSchedule, releaseSchedule, createReservation, expireSchedule, blockSchedule, unblockSchedule, getSchedule, beginPayment, settlePayment, cancelReservation } from './ask.js';
export type { PaymentOutcome } from './protocol.js';
export { nextDeadline, type BookingEvent } from './actor.js';
