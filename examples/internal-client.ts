/**
 * Another Node service talking to roomescape over the schedule command bus (Bull on Redis), through
 * roomescape/client (in this repository, its source; elsewhere `npm install roomescape-<version>.tgz`
 * and import 'roomescape/client').
 *
 *   npm run example:internal -- <scheduleId> [userId]
 *
 * REDIS_URL (default redis://127.0.0.1:6379) and QUEUE_PREFIX (default Bull's `bull`) must be the
 * running service's: a service started without REDIS_URL runs its bus in-process, out of reach.
 * Checks first that some service consumes the queue, then sends a Get and a Hold and prints both replies.
 */
import { createScheduleCommandClient, isRejection, JobTimeoutError, QueueUnavailableError, type BusReply } from '../src/client/index.js';

const [scheduleArg, userArg = '1'] = process.argv.slice(2);
const scheduleId = Number(scheduleArg);
const userId = Number(userArg);
if (!Number.isInteger(scheduleId) || scheduleId <= 0 || !Number.isInteger(userId) || userId <= 0) {
  console.error('usage: npm run example:internal -- <scheduleId> [userId]');
  process.exit(2);
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.QUEUE_PREFIX;
// The URL as it may be printed: an ACL password never goes to the terminal.
const shown = redisUrl.replace(/\/\/([^@/]*)@/, '//***@');
const bus = createScheduleCommandClient({ redisUrl, prefix });

const show = (what: string, reply: BusReply) => console.log(isRejection(reply) ? `${what}: rejected, ${reply.httpStatus} ${reply.code} (${reply.message})` : `${what}: ${JSON.stringify(reply)}`);

try {
  const consumers = await bus.consumers();
  if (consumers === 0) {
    console.error(
      `no roomescape service consumes schedule-commands on ${shown} (key prefix ${prefix ?? 'bull'}).\n` +
        'Start the service with the same REDIS_URL and QUEUE_PREFIX (without REDIS_URL its bus is in-process), then try again.',
    );
    process.exitCode = 1;
  } else {
    if (consumers === undefined) console.error(`(cannot tell whether a service consumes the queue: ${shown} refused CLIENT LIST or did not answer; sending anyway)`);
    show('Get', await bus.send({ type: 'Get', scheduleId }, { timeoutMs: 5_000 }));
    show('Hold', await bus.send({ type: 'Hold', scheduleId, userId }, { timeoutMs: 5_000 }));
  }
} catch (err) {
  if (err instanceof JobTimeoutError) console.error(`no reply within 5 s; the command will not be applied later (its deadline passed)`);
  else if (err instanceof QueueUnavailableError) console.error(`Redis at ${shown} did not take the command: ${err.message}`);
  else console.error(err);
  process.exitCode = 1;
} finally {
  await bus.close();
}
