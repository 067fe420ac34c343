import type { NewPayment, PaymentRow } from '../../db/repositories/payments.js';
import type { Committed, ReservationChange, SchedulePatch } from '../../db/repositories/schedule-transitions.js';

/** Booking facts worth a line in the reservation's timeline. */
export type BookingEventType = 'HELD' | 'RELEASED' | 'RESERVED' | 'PAYMENT_STARTED' | 'PAYMENT_APPROVED' | 'PAYMENT_DECLINED' | 'EXPIRED' | 'CANCELED';

/** Writes that go with a transition, in the same database transaction. */
export type Effect = { kind: 'insertPayment'; payment: NewPayment } | { kind: 'requestRefund'; reservationId: number; reason: string };

export interface Written extends Committed {
  /** The payment now owed a refund, when the effect was requestRefund. */
  refund: PaymentRow | null;
}

/** Either an answer straight from memory, or a write whose committed result makes the answer. */
export type Decision<R> =
  | { kind: 'reply'; reply: R }
  | { kind: 'write'; schedule: SchedulePatch; reservation?: ReservationChange; effect?: Effect; events?: BookingEventType[]; reply: (written: Written) => R };

export const reply = <R>(r: R): Decision<R> => ({ kind: 'reply', reply: r });

export const FREE: SchedulePatch = { status: 'AVAILABLE', heldBy: null, holdExpiresAt: null };
