/**
 * The bus's validator of the wire contract (wire.ts): the bus parses every job with `busCommand`
 * before any actor sees it. The checks at the end fail the build when the validator or the
 * actors' replies drift from the plain types roomescape/client ships.
 */
import { z } from 'zod';
import type { HoldView, ReservationSummary, ScheduleView } from '../actors/schedule/index.js';
import type { BusBodies, BusCommand } from './wire.js';

export { SCHEDULE_COMMANDS, DEFAULT_COMMAND_DEADLINE_MS, isRejection, type BusBodies, type BusCommand, type BusCommandType, type BusJob, type BusRejection, type BusReply } from './wire.js';

const id = z.number({ invalid_type_error: 'must be a number' }).int('must be an integer').positive('must be a positive id');

export const busCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Hold'), scheduleId: id, userId: id }),
  z.object({ type: z.literal('Release'), scheduleId: id, userId: id }),
  z.object({ type: z.literal('CreateReservation'), scheduleId: id, userId: id, participants: z.number().int().min(1).max(100) }),
  z.object({ type: z.literal('Expire'), scheduleId: id }),
  z.object({ type: z.literal('Block'), scheduleId: id }),
  z.object({ type: z.literal('Unblock'), scheduleId: id }),
  z.object({ type: z.literal('Get'), scheduleId: id }),
]);

/** A value as it comes out of JSON: Dates become ISO strings. */
export type Jsonified<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

// Compile-time only: each side must be exactly the other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inStep: [
  Same<z.infer<typeof busCommand>, BusCommand>,
  Same<Jsonified<HoldView>, BusBodies['Hold']>,
  Same<Jsonified<Omit<ReservationSummary, 'userId'>>, BusBodies['CreateReservation']>,
  Same<Jsonified<ScheduleView>, BusBodies['Get']>,
] = [true, true, true, true];
void inStep;
