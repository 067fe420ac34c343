/**
 * A typed client of the schedule command bus, for another Node service: `send` adds a job to
 * `schedule-commands` and resolves with its return value, the actor's reply shaped like the HTTP
 * body (or `{code, message, httpStatus}` for a rejection; see `isRejection`).
 *
 * `send` rejects only when no reply came, always within `timeoutMs`: QueueUnavailableError when the
 * command could not be handed to Redis (it was not added, or may still land late), JobTimeoutError
 * when it was added and no reply came in time (it may still be applied later), JobFailedError when
 * the bus refused the job as malformed.
 *
 *   const bus = createScheduleCommandClient({ redisUrl: 'redis://127.0.0.1:6379' });
 *   const reply = await bus.send({ type: 'Hold', scheduleId: 42, userId: 7 });
 *   if (isRejection(reply)) console.log(reply.httpStatus, reply.code);
 *   else console.log('held until', reply.holdExpiresAt);
 *   await bus.close();
 */
import { createBullQueues } from './bull.js';
import { SCHEDULE_COMMANDS, type BusCommand, type BusReply } from './schedule-commands.js';
import { QueueUnavailableError, type JobQueue } from './types.js';
import { withDeadline } from './deadline.js';

export { isRejection, type BusCommand, type BusReply, type BusRejection, type BusBodies } from './schedule-commands.js';
export { JobFailedError, JobTimeoutError, QueueUnavailableError } from './types.js';

export interface SendOptions {
  /** Give up waiting after this long. Default 10 s. */
  timeoutMs?: number;
}

export interface ScheduleCommandClient {
  send<C extends BusCommand>(command: C, options?: SendOptions): Promise<BusReply<C['type']>>;
  /** Ends the client's Redis connections (an in-process client leaves its queue open). */
  close(): Promise<void>;
}

export type ScheduleCommandClientOptions =
  /** Over Redis, with the bus's key prefix (default Bull's `bull`). */
  | { redisUrl: string; prefix?: string }
  /** Over a queue the caller already has: the in-process queue of the same process, or a shared Bull one. */
  | { queues: JobQueue };

const DEFAULT_TIMEOUT_MS = 10_000;

export function createScheduleCommandClient(options: ScheduleCommandClientOptions): ScheduleCommandClient {
  const owned = 'redisUrl' in options;
  const queues = owned ? createBullQueues({ redisUrl: options.redisUrl, prefix: options.prefix }) : options.queues;
  return {
    async send<C extends BusCommand>(command: C, { timeoutMs = DEFAULT_TIMEOUT_MS }: SendOptions = {}): Promise<BusReply<C['type']>> {
      // One deadline for the whole call: adding the job (Redis may be away) and waiting for its reply.
      const started = Date.now();
      const adding = queues.add<C, BusReply<C['type']>>(SCHEDULE_COMMANDS, command);
      const job = await withDeadline(adding, timeoutMs, () => new QueueUnavailableError(SCHEDULE_COMMANDS, `the command was not taken within ${timeoutMs} ms`));
      return job.result(Math.max(0, timeoutMs - (Date.now() - started)));
    },
    async close() {
      if (owned) await queues.close();
    },
  };
}
