/**
 * roomescape/client: what another team needs to talk to roomescape, and nothing of the service.
 * Its runtime imports are bull and ioredis only (scripts/pack-client.ts checks that when it packs).
 *
 *   import { createScheduleCommandClient, isRejection } from 'roomescape/client';
 */
export { createScheduleCommandClient, type ScheduleCommandClient, type ScheduleCommandClientOptions, type SendOptions } from '../queue/client.js';
export { JobFailedError, JobTimeoutError, QueueUnavailableError } from '../queue/types.js';
export {
  SCHEDULE_COMMANDS,
  DEFAULT_COMMAND_DEADLINE_MS,
  isRejection,
  type BusBodies,
  type BusCommand,
  type BusCommandType,
  type BusJob,
  type BusRejection,
  type BusReply,
  type HoldBody,
  type ReservationBody,
  type ReservationStatus,
  type ScheduleBody,
  type ScheduleStatus,
} from '../queue/wire.js';
export type * from './http.js';
