/**
 * The waiting list's use cases. Joining and leaving are plain SQL (src/db/repositories/waitlist.ts);
 * the offer itself is made by the statement that frees the slot (the trigger in the waitlist
 * migration), so nothing here decides who gets a freed slot. Leaving with an open offer gives the
 * slot back through the schedule's actor, whose Release passes it on to the next waiter.
 */
import { releaseSchedule } from '../actors/schedule/index.js';
import type { ScheduleRegistry } from '../actors/schedule/registry.js';
import type { Db } from '../db/knex.js';
import { joinWaitlist, leaveWaitlist, listScheduleEntries, listUserEntries, scheduleExists, type JoinOutcome, type MyWaitlistEntry, type ScheduleWaitlistEntry } from '../db/repositories/waitlist.js';

export interface WaitlistTerms {
  offerTtlMs: number;
  maxActiveHolds: number;
  maxEntriesPerUser: number;
}

/** The entry stores them as int columns (the load tests lift the caps to huge numbers). */
const INT_MAX = 2_147_483_647;

export const join = (db: Db, terms: WaitlistTerms, scheduleId: number, userId: number): Promise<JoinOutcome> =>
  joinWaitlist(db, {
    scheduleId,
    userId,
    offerTtlMs: Math.min(terms.offerTtlMs, INT_MAX),
    maxHolds: Math.min(terms.maxActiveHolds, INT_MAX),
    maxEntries: Math.min(terms.maxEntriesPerUser, INT_MAX),
  });

export type LeaveOutcome = { ok: true } | { ok: false; code: 'SCHEDULE_NOT_FOUND' };

/**
 * Leaves the list (leaving a list one is not on changes nothing). An open offer is declined: the
 * hold it gave is released through the actor, which offers the slot to the next waiter or frees it.
 * If that release cannot be made now (the database is away), the offer simply runs out.
 */
export async function leave(db: Db, schedules: ScheduleRegistry, scheduleId: number, userId: number): Promise<LeaveOutcome> {
  const { left, wasOffered } = await leaveWaitlist(db, scheduleId, userId);
  if (!left && !(await scheduleExists(db, scheduleId))) return { ok: false, code: 'SCHEDULE_NOT_FOUND' };
  if (wasOffered) await releaseSchedule(schedules, { scheduleId, userId });
  return { ok: true };
}

export const mine = (db: Db, userId: number): Promise<MyWaitlistEntry[]> => listUserEntries(db, userId);

export async function ofSchedule(db: Db, scheduleId: number): Promise<ScheduleWaitlistEntry[] | null> {
  const entries = await listScheduleEntries(db, scheduleId);
  if (entries.length === 0 && !(await scheduleExists(db, scheduleId))) return null;
  return entries;
}
