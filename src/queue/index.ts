import type { Logger } from '../logger.js';
import { createBullQueues } from './bull.js';
import { createInProcessQueues } from './in-process.js';
import type { JobQueue } from './types.js';

export { createBullQueues } from './bull.js';
export { createInProcessQueues } from './in-process.js';
export { startCommandBus, type CommandBus } from './command-bus.js';
export { SCHEDULE_COMMANDS, isRejection, type BusCommand, type BusReply, type BusRejection } from './schedule-commands.js';
export {
  JobFailedError,
  JobTimeoutError,
  PermanentJobError,
  QueueUnavailableError,
  type AddOptions,
  type AddedJob,
  type Backoff,
  type JobHandler,
  type JobInfo,
  type JobQueue,
  type QueueCounts,
} from './types.js';

export interface QueuesOptions {
  /** Bull on this Redis; without it, the in-process queue. */
  redisUrl: string | undefined;
  /** Key prefix (Bull only); tests give each run its own. */
  prefix?: string;
  log: Logger;
}

export function createQueues({ redisUrl, prefix, log }: QueuesOptions): JobQueue {
  return redisUrl ? createBullQueues({ redisUrl, prefix, log }) : createInProcessQueues(log);
}
