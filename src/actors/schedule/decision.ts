import type { RefundRow } from '../../db/repositories/payments.js';
import type { Committed, ReservationChange, SchedulePatch, TransitionEffects } from '../../db/repositories/schedule-transitions.js';

/** Booking facts worth a line in the reservation's timeline. */
export type BookingEventType = 'HELD' | 'RELEASED' | 'RESERVED' | 'PAYMENT_STARTED' | 'PAYMENT_APPROVED' | 'PAYMENT_DECLINED' | 'EXPIRED' | 'CANCELED';

/** Writes that go with a transition, in the same database transaction (payments, refunds, payment attempts). */
export type Effect = TransitionEffects;

export interface Written extends Committed {
  /** The refund now owed, when the effect requested one. */
  refund: RefundRow | null;
  /** The payment attempt the effect began. */
  attemptId: number | null;
}

/** Either an answer straight from memory, or a write whose committed result makes the answer. */
export type Decision<R> =
  | { kind: 'reply'; reply: R }
  | { kind: 'write'; schedule: SchedulePatch; reservation?: ReservationChange; effect?: Effect; events?: BookingEventType[]; reply: (written: Written) => R };

export const reply = <R>(r: R): Decision<R> => ({ kind: 'reply', reply: r });

export const FREE: SchedulePatch = { status: 'AVAILABLE', heldBy: null, holdExpiresAt: null };
