/**
 * The schedule command bus: takes `schedule-commands` jobs, hands each command to its schedule's
 * actor, and returns the actor's reply as the HTTP layer would have answered it. A job whose data
 * is not a command fails at once (no retry) with the reason; it never reaches an actor. A command
 * taken past its deadline is not applied: its job completes with an EXPIRED reply (command-deadline.ts).
 */
import { blockSchedule, createReservation, expireSchedule, getSchedule, holdSchedule, releaseSchedule, unblockSchedule, type AnyReply, type ScheduleRegistry } from '../actors/schedule/index.js';
import { refusalOf } from '../errors/catalogue.js';
import type { Logger } from '../logger.js';
import { busCommand, SCHEDULE_COMMANDS, type BusCommand, type BusRejection, type BusReply, type Jsonified } from './schedule-commands.js';
import { asJson, PermanentJobError, type JobQueue } from './types.js';
import { expiredReply } from './command-deadline.js';

export interface CommandBus {
  queue: string;
}

export interface CommandBusOptions {
  /** Commands handled at once by this instance; the actors serialise per schedule anyway. */
  concurrency?: number;
  log?: Logger;
}

export function startCommandBus(queues: JobQueue, registry: ScheduleRegistry, { concurrency = 64, log }: CommandBusOptions = {}): CommandBus {
  queues.process<unknown, BusReply>(SCHEDULE_COMMANDS, concurrency, async (data, job) => {
    const parsed = busCommand.safeParse(data);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'job'}: ${i.message}`).join('; ');
      log?.warn({ jobId: job.id, reason }, 'rejected a malformed schedule command');
      throw new PermanentJobError(`invalid schedule command: ${reason}`);
    }
    const expired = expiredReply(data, job);
    if (expired) {
      log?.warn({ jobId: job.id, type: parsed.data.type, scheduleId: parsed.data.scheduleId, reason: expired.message }, 'dropped an expired schedule command');
      return expired;
    }
    return execute(registry, parsed.data);
  });
  return { queue: SCHEDULE_COMMANDS };
}

/** One command to its actor, the reply shaped like the HTTP body. */
export async function execute(registry: ScheduleRegistry, command: BusCommand): Promise<BusReply> {
  const { scheduleId } = command;
  switch (command.type) {
    case 'Hold':
      return body(await holdSchedule(registry, { scheduleId, userId: command.userId }), (r) => r.hold);
    case 'Release':
      return body(await releaseSchedule(registry, { scheduleId, userId: command.userId }), () => ({}));
    case 'CreateReservation': {
      const reply = await createReservation(registry, { scheduleId, userId: command.userId, participants: command.participants });
      return body(reply, ({ reservation: { userId: _, ...rest } }) => rest);
    }
    case 'Expire':
      return body(await expireSchedule(registry, scheduleId), (r) => ({ expired: r.expired }));
    case 'Block':
      return body(await blockSchedule(registry, scheduleId), (r) => r.schedule);
    case 'Unblock':
      return body(await unblockSchedule(registry, scheduleId), (r) => r.schedule);
    case 'Get':
      return body(await getSchedule(registry, scheduleId), (r) => r.schedule);
  }
}

/** The success body as it will travel (JSON), or the rejection. */
function body<R extends AnyReply, B>(reply: R, ok: (r: Extract<R, { ok: true }>) => B): Jsonified<B> | BusRejection {
  return reply.ok ? (asJson(ok(reply as Extract<R, { ok: true }>)) as Jsonified<B>) : rejection(reply);
}

/** The rejection as HTTP answers it: code, message and status from the error catalogue. */
function rejection(reply: AnyReply): BusRejection {
  const refused = refusalOf(reply);
  return { code: refused.code, message: refused.message, httpStatus: refused.status };
}
