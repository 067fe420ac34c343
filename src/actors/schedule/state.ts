import type { ReservationRow, ScheduleAggregate } from '../../db/repositories/schedule-aggregate.js';
import type { ReservationSummary, ScheduleView } from './protocol.js';

/**
 * What a schedule actor remembers: the aggregate as last read or written (null when the
 * schedule does not exist, undefined before the first read), and when it was confirmed.
 */
export interface ScheduleState {
  aggregate: ScheduleAggregate | null | undefined;
  confirmedAt: number;
}

export const initialState = (): ScheduleState => ({ aggregate: undefined, confirmedAt: 0 });

/** A hold whose deadline passed with no reservation behind it no longer keeps anyone out. */
export function holdLapsed(agg: ScheduleAggregate, now: Date): boolean {
  const s = agg.schedule;
  return s.status === 'HOLD' && !agg.reservation && s.holdExpiresAt !== null && s.holdExpiresAt <= now;
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
