export { ScheduleRegistry, type RegistryOptions, type RegistryStats } from './registry.js';
export type { ScheduleActorDeps } from './actor.js';
export type { Failure, HoldView, Replies, ReplyTo, ReservationSummary, ScheduleCommand, ScheduleView, CommandType, AnyReply } from './protocol.js';
export { decide, type DecideEnv, type Decision } from './decide.js';
export { holdSchedule, releaseSchedule, createReservation, expireSchedule, blockSchedule, unblockSchedule, getSchedule } from './ask.js';
