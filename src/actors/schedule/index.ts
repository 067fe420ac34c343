export { ScheduleRegistry, type RegistryOptions, type RegistryStats } from './registry.js';
export type { ScheduleActorDeps } from './actor.js';
export type { Failure, HoldView, Replies, ReplyTo, ReservationSummary, ScheduleCommand, ScheduleMessage, ScheduleView, CommandType, AnyReply } from './protocol.js';
export { COMMANDS } from './protocol.js';
export { decide, type DecideEnv } from './decide.js';
export type { Decision, BookingEventType } from './decision.js';
export { holdSchedule, releaseSchedule, createReservation, expireSchedule, blockSchedule, unblockSchedule, getSchedule, beginPayment, settlePayment, cancelReservation } from './ask.js';
export type { PaymentOutcome } from './protocol.js';
export { nextDeadline } from './state.js';
