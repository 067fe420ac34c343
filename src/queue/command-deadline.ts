/**
 * The command bus's deadline check: a command taken after its deadline is not applied (its sender
 * has stopped waiting and may have retried or told its user it failed); its job completes with an
 * `EXPIRED` rejection instead, so the outcome is recorded in Redis like any other reply.
 */
import { z } from 'zod';
import { DEFAULT_COMMAND_DEADLINE_MS, type BusRejection } from './wire.js';
import { PermanentJobError, type JobInfo } from './types.js';

export const EXPIRED = 'EXPIRED';

const deadlineField = z.object({ deadline: z.number({ invalid_type_error: 'must be epoch milliseconds' }).int().positive().optional() });

/** The EXPIRED reply when the job's deadline has passed, else undefined; a deadline that is not a number is a malformed job. */
export function expiredReply(data: unknown, job: JobInfo, now = Date.now()): BusRejection | undefined {
  const parsed = deadlineField.safeParse(data);
  if (!parsed.success) throw new PermanentJobError(`invalid schedule command: deadline: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const deadline = parsed.data.deadline ?? (job.addedAt === undefined ? undefined : job.addedAt + DEFAULT_COMMAND_DEADLINE_MS);
  if (deadline === undefined || now <= deadline) return undefined;
  return { code: EXPIRED, message: `the command reached a service ${now - deadline} ms after its deadline and was not applied`, httpStatus: 504 };
}
