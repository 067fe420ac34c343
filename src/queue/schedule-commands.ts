/**
 * The schedule command bus's wire contract (api.md, "Internal services"): a job on queue
 * `schedule-commands` carries one command for one schedule; its return value is the reply in the
 * shape of the matching HTTP response body, or `{code, message, httpStatus}` for a rejection.
 * Shared by the bus (which validates jobs with `busCommand`) and the client.
 */
import { z } from 'zod';
import type { HoldView, ReservationSummary, ScheduleView } from '../actors/schedule/index.js';

export const SCHEDULE_COMMANDS = 'schedule-commands';

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

export type BusCommand = z.infer<typeof busCommand>;
export type BusCommandType = BusCommand['type'];

/** A value as it comes out of JSON: Dates become ISO strings. */
export type Jsonified<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

/** Each command's success body, as the HTTP route answers it (Release: HTTP answers 204, here `{}`). */
export interface BusBodies {
  Hold: Jsonified<HoldView>;
  Release: Record<string, never>;
  CreateReservation: Jsonified<Omit<ReservationSummary, 'userId'>>;
  Expire: { expired: 'HOLD' | 'RESERVATION' | null };
  Block: Jsonified<ScheduleView>;
  Unblock: Jsonified<ScheduleView>;
  Get: Jsonified<ScheduleView>;
}

/** A rejection or fault: the HTTP error body plus the status HTTP would have answered with. */
export interface BusRejection {
  code: string;
  message: string;
  httpStatus: number;
}

export type BusReply<K extends BusCommandType = BusCommandType> = BusBodies[K] | BusRejection;

export const isRejection = (reply: unknown): reply is BusRejection =>
  typeof reply === 'object' && reply !== null && 'code' in reply && 'httpStatus' in reply;
