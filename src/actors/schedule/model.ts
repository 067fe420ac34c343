/**
 * The schedule actor's model: the entities it decides on, their statuses, and the changes a
 * decision asks for. Nothing here knows SQL; src/db/repositories translate these types to rows
 * and statements and back (schedule-aggregate.ts, schedule-transitions.ts, schedule-store.ts).
 */

export type ScheduleStatus = 'AVAILABLE' | 'HOLD' | 'RESERVED' | 'BLOCKED';
export type ReservationStatus = 'PENDING' | 'PAYMENT_IN_PROGRESS' | 'CONFIRMED' | 'EXPIRED' | 'CANCELED';

/** The reservation statuses that occupy a schedule: at most one reservation per schedule is in one of them. */
export const ACTIVE_STATUSES: readonly ReservationStatus[] = ['PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED'];

export interface ScheduleRow {
  id: number;
  themeId: number;
  date: string;
  startTime: string;
  startsAt: Date;
  status: ScheduleStatus;
  heldBy: number | null;
  holdExpiresAt: Date | null;
  /** Bumped by every change to the schedule or its reservation: the compare-and-set token. */
  version: number;
}

export interface ReservationRow {
  id: number;
  scheduleId: number;
  userId: number;
  status: ReservationStatus;
  orderId: string;
  amount: number;
  participants: number;
  expiresAt: Date;
  /** Declines that counted against the card holder (towards the pay-on-site limit). */
  paymentAttempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ThemeTerms {
  price: number;
  minPlayers: number;
  maxPlayers: number;
}

/**
 * A schedule with its theme's booking terms and its one active reservation: everything a
 * schedule actor decides on. The schedule's version covers the reservation too, because every
 * reservation change is written in the same statement as a version bump.
 */
export interface ScheduleAggregate {
  schedule: ScheduleRow;
  terms: ThemeTerms;
  reservation: ReservationRow | null;
}

/** Booking facts worth a line in the reservation's timeline. */
export type BookingEventType = 'HELD' | 'RELEASED' | 'RESERVED' | 'PAYMENT_STARTED' | 'PAYMENT_APPROVED' | 'PAYMENT_DECLINED' | 'EXPIRED' | 'CANCELED';

// --- Changes a decision asks for -------------------------------------------------------------

export interface SchedulePatch {
  status?: ScheduleStatus;
  heldBy?: number | null;
  holdExpiresAt?: Date | null;
}

export interface NewReservation {
  userId: number;
  orderId: string;
  amount: number;
  participants: number;
  expiresAt: Date;
}

export interface ReservationPatch {
  status: ReservationStatus;
  expiresAt?: Date;
  cancelReason?: string;
  /** The reservation's counted declines after this change (set when a decline counts). */
  paymentAttempts?: number;
}

export type ReservationChange =
  | { kind: 'insert'; values: NewReservation }
  /** `from`: the status the decision saw; the change is written only if the reservation still has it. */
  | { kind: 'update'; id: number; from: ReservationStatus; patch: ReservationPatch };

/** A timeline event that stands or falls with its transition (written in the same statement). */
export interface PlannedEvent {
  type: BookingEventType;
  userId: number | null;
  /** The reservation it is about; 'inserted' for the one this transition creates. */
  reservationId: number | null | 'inserted';
  at: Date;
}

/** One state change of one schedule, decided at `version`. */
export interface Transition {
  scheduleId: number;
  /** The version the decision was made on; the write happens only if the schedule still has it. */
  version: number;
  schedule: SchedulePatch;
  reservation?: ReservationChange;
  /** Facts this transition establishes, written only if it commits. */
  events?: PlannedEvent[];
}

// --- Money that moves with a transition ------------------------------------------------------

/** How a payment attempt ended. Unset: it has not ended yet (the gateway call runs, or a crash cut it short). */
export type AttemptOutcome = 'APPROVED' | 'DECLINED' | 'RETRYABLE' | 'UNKNOWN';

export interface NewPayment {
  reservationId: number;
  paymentKey: string;
  orderId: string;
  amount: number;
  status: string;
  method: string | null;
  approvedAt: Date | null;
  gatewayResponse: unknown;
}

export interface NewAttempt {
  reservationId: number;
  orderId: string;
  paymentKey: string;
  amount: number;
  idempotencyKey: string;
  /** When the reconciler may first look at it, should nobody settle it before. */
  nextCheckAt: Date;
}

export interface AttemptSettlement {
  id: number;
  outcome: Exclude<AttemptOutcome, 'UNKNOWN'>;
  gatewayCode: string | null;
  message: string | null;
}

/** One cancel at the gateway: a refund of `amount`, done only once the gateway's cancels[] shows it. */
export interface RefundRow {
  id: number;
  paymentId: number;
  paymentKey: string;
  orderId: string;
  amount: number;
  reason: string;
  idempotencyKey: string;
  status: 'REQUESTED' | 'DONE';
  transactionKey: string | null;
  attempts: number;
}

/** Writes that go with a transition, in the same database transaction. */
export interface Effects {
  insertPayment?: NewPayment;
  /** `amount` omitted: all of it. */
  requestRefund?: { reservationId: number; reason: string; amount?: number };
  /** The payment attempt this transition starts, recorded with it. */
  beginAttempt?: NewAttempt;
  /** The payment attempt this transition ends; if it was settled already, nothing is written. */
  settleAttempt?: AttemptSettlement;
}

// --- What a write answers --------------------------------------------------------------------

export interface Committed {
  schedule: ScheduleRow;
  reservation: ReservationRow | null;
}

export interface Written extends Committed {
  /** The refund now owed, when the effects requested one. */
  refund: RefundRow | null;
  /** The payment attempt the effects began. */
  attemptId: number | null;
}

/**
 * The user may not have it: `HOLDS`, as many live bare holds as the cap allows; `UNPAID`, as many
 * reservations not paid yet; `NO_USER`, the account no longer exists.
 */
export interface Limited {
  limited: 'HOLDS' | 'UNPAID' | 'NO_USER';
  max: number;
}

export const isLimited = (r: unknown): r is Limited => typeof r === 'object' && r !== null && 'limited' in r;

/** The payment attempt a transition meant to settle was settled first by another path: nothing was written. */
export const ATTEMPT_SETTLED = 'ATTEMPT_SETTLED' as const;

/**
 * What a schedule actor needs from storage: its aggregate, and compare-and-set writes. `commit`
 * answers null when the version moved (re-read and decide again), `Limited` when a per-user cap
 * refused it, ATTEMPT_SETTLED when its attempt was settled first.
 */
export interface ScheduleStore {
  load(scheduleId: number): Promise<ScheduleAggregate | null>;
  commit(t: Transition, effects?: Effects): Promise<Written | null | Limited | typeof ATTEMPT_SETTLED>;
}
