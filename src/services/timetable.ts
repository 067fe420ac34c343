import type { ScheduleStart } from '../db/repositories/schedules.js';

export interface Slot extends ScheduleStart {
  /** Already stored: a pair of stored slots is not this request's doing and is not reported. */
  stored: boolean;
}

/**
 * The first two slots, in start order, that start less than `minutes` apart (one theme, one room:
 * the first would still be running when the second begins). Checking neighbours is enough: a slot
 * that overlaps any other overlaps the nearest one on that side.
 */
export function firstOverlap(slots: Slot[], minutes: number): [Slot, Slot] | null {
  const sorted = [...slots].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  for (let i = 1; i < sorted.length; i += 1) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (b.startsAt.getTime() - a.startsAt.getTime() < minutes * 60_000 && !(a.stored && b.stored)) return [a, b];
  }
  return null;
}

export const slotName = (s: ScheduleStart) => `${s.date} ${s.startTime}`;
