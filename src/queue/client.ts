/**
 * A typed client of the schedule command bus, for another Node service: `send` adds a job to
 * `schedule-commands` and resolves with its return value, the actor's reply shaped like the HTTP
 * body (or `{code, message, httpStatus}` for a rejection; see `isRejection`).
 *
 * Every command carries its deadline, `timeoutMs` from the call: a service that takes it later does
 * not apply it (its job completes with an `EXPIRED` rejection). So `send` rejects only when no reply
 * came, always within `timeoutMs`: QueueUnavailableError when the command could not be handed to
 * Redis, JobTimeoutError when it was added and no reply came in time (it was applied only if a
 * service took it before the deadline, never after), JobFailedError when the bus refused the job
 * as malformed.
 *
 *   const bus = createScheduleCommandClient({ redisUrl: 'redis://127.0.0.1:6379' });
 *   const reply = await bus.send({ type: 'Hold', scheduleId: 42, userId: 7 });
 *   if (isRejection(reply)) console.log(reply.httpStatus, reply.code);
 *   else console.log('held until', reply.holdExpiresAt);
 *   await bus.close();
 */
import { createBullQueues } from './bull.js';
import { DEFAULT_COMMAND_DEADLINE_MS, SCHEDULE_COMMANDS, type BusCommand, type BusJob, type BusReply } from './wire.js';
import { QueueUnavailableError, type JobQueue } from './types.js';
import { withDeadline } from './deadline.js';

export { isRejection, type BusCommand, type BusReply, type BusRejection, type BusBodies } from './wire.js';
export { JobFailedError, JobTimeoutError, QueueUnavailableError } from './types.js';

export interface SendOptions {
  /** Give up waiting after this long, and let no service apply the command later. Default 10 s. */
  timeoutMs?: number;
}

export interface ScheduleCommandClient {
  send<C extends BusCommand>(command: C, options?: SendOptions): Promise<BusReply<C['type']>>;
  /**
   * How many roomescape processes take commands on this Redis and key prefix right now; 0 means a
   * command would only wait (wrong REDIS_URL or QUEUE_PREFIX, or no service running); undefined
   * when Redis does not say (its ACL refuses CLIENT LIST to this user, or it is away).
   */
  consumers(): Promise<number | undefined>;
  /** Ends the client's Redis connections (an in-process client leaves its queue open). */
  close(): Promise<void>;
}

export type ScheduleCommandClientOptions =
  /**
   * Over Redis, with the bus's key prefix (default Bull's `bull`). The URL may carry an ACL user and
   * password (`redis://user:pass@host:6379`) and `rediss://` for TLS (a private CA through NODE_EXTRA_CA_CERTS).
   */
  | { redisUrl: string; prefix?: string }
  /** Over a queue the caller already has: the in-process queue of the same process, or a shared Bull one. */
  | { queues: JobQueue };

export function createScheduleCommandClient(options: ScheduleCommandClientOptions): ScheduleCommandClient {
  const owned = 'redisUrl' in options;
  const queues = owned ? createBullQueues({ redisUrl: options.redisUrl, prefix: options.prefix }) : options.queues;
  return {
    async send<C extends BusCommand>(command: C, { timeoutMs = DEFAULT_COMMAND_DEADLINE_MS }: SendOptions = {}): Promise<BusReply<C['type']>> {
      // One deadline for the whole call, adding the job (Redis may be away) and waiting for its reply, and for the service.
      const started = Date.now();
      const adding = queues.add<BusJob, BusReply<C['type']>>(SCHEDULE_COMMANDS, { ...command, deadline: started + timeoutMs });
      const job = await withDeadline(adding, timeoutMs, () => new QueueUnavailableError(SCHEDULE_COMMANDS, `the command was not taken within ${timeoutMs} ms`));
      return job.result(Math.max(0, timeoutMs - (Date.now() - started)));
    },
    consumers: () => queues.consumers(SCHEDULE_COMMANDS),
    async close() {
      if (owned) await queues.close();
    },
  };
}
