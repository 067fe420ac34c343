import type { ReservationRow, ScheduleAggregate } from './model.js';
import type { ReservationSummary, ScheduleView } from './protocol.js';

/** What `decide` needs to know: the aggregate (null or undefined: no such schedule) and what only this process's memory holds. */
export interface Known {
  aggregate: ScheduleAggregate | null | undefined;
  /** Whose hold this actor saw lapse last, so they hear HOLD_EXPIRED rather than HOLD_REQUIRED. Memory only. */
  lapsedHoldOf?: number;
}

/**
 * What a schedule actor remembers: what it knows (aggregate undefined before the first read),
 * when that was confirmed by the database, and the timer of its next deadline.
 */
export interface ScheduleState extends Known {
  confirmedAt: number;
  /** Sends the actor Expire when its hold or unpaid reservation lapses (armed by the actor, see `rearm` in actor.ts). */
  deadline?: { at: number; timer: NodeJS.Timeout };
}

export const initialState = (): ScheduleState => ({ aggregate: undefined, lapsedHoldOf: undefined, confirmedAt: 0, deadline: undefined });

/** A hold whose deadline passed with no reservation behind it no longer keeps anyone out. */
export function holdLapsed(agg: ScheduleAggregate, now: Date): boolean {
  const s = agg.schedule;
  return s.status === 'HOLD' && !agg.reservation && s.holdExpiresAt !== null && s.holdExpiresAt <= now;
}

/** When the hold or the unpaid reservation on this schedule lapses, if either can. */
export function nextDeadline(agg: ScheduleAggregate | null | undefined): Date | null {
  if (!agg) return null;
  const r = agg.reservation;
  if (r) return r.status === 'PENDING' ? r.expiresAt : null;
  return agg.schedule.status === 'HOLD' ? agg.schedule.holdExpiresAt : null;
}

export function toScheduleView(agg: ScheduleAggregate, now: Date): ScheduleView {
  const s = agg.schedule;
  if (holdLapsed(agg, now)) return { id: s.id, themeId: s.themeId, date: s.date, startTime: s.startTime, status: 'AVAILABLE' };
  const view: ScheduleView = { id: s.id, themeId: s.themeId, date: s.date, startTime: s.startTime, status: s.status };
  if (s.status === 'HOLD' && s.holdExpiresAt) view.holdExpiresAt = s.holdExpiresAt;
  return view;
}

export const summarize = (r: ReservationRow): ReservationSummary => ({
  id: r.id,
  scheduleId: r.scheduleId,
  userId: r.userId,
  status: r.status,
  orderId: r.orderId,
  amount: r.amount,
  participants: r.participants,
  expiresAt: r.expiresAt,
  paymentAttempts: r.paymentAttempts,
});
