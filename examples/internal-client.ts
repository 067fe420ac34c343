/**
 * Another Node service talking to roomescape over the schedule command bus (Bull on Redis).
 *
 *   npm run example:internal -- <scheduleId> [userId]
 *
 * REDIS_URL (default redis://127.0.0.1:6379) and QUEUE_PREFIX (default Bull's `bull`) must match
 * the running service's. Sends a Get and a Hold for the schedule and prints both replies.
 */
import { createScheduleCommandClient, isRejection, JobTimeoutError, type BusReply } from '../src/queue/client.js';

const [scheduleArg, userArg = '1'] = process.argv.slice(2);
const scheduleId = Number(scheduleArg);
const userId = Number(userArg);
if (!Number.isInteger(scheduleId) || scheduleId <= 0 || !Number.isInteger(userId) || userId <= 0) {
  console.error('usage: npm run example:internal -- <scheduleId> [userId]');
  process.exit(2);
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const bus = createScheduleCommandClient({ redisUrl, prefix: process.env.QUEUE_PREFIX });

const show = (what: string, reply: BusReply) =>
  console.log(isRejection(reply) ? `${what}: rejected, ${reply.httpStatus} ${reply.code} (${reply.message})` : `${what}: ${JSON.stringify(reply)}`);

try {
  show('Get', await bus.send({ type: 'Get', scheduleId }, { timeoutMs: 5_000 }));
  show('Hold', await bus.send({ type: 'Hold', scheduleId, userId }, { timeoutMs: 5_000 }));
} catch (err) {
  if (err instanceof JobTimeoutError) console.error(`no reply within 5 s: is roomescape running with REDIS_URL=${redisUrl}?`);
  else console.error(err);
  process.exitCode = 1;
} finally {
  await bus.close();
}
