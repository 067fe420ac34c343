import type { NewPayment, RefundRow, ReservationRow, ScheduleStatus } from './model.js';

/** What the outside world sends a schedule actor. Each command names the reply it gets; `COMMANDS` below says how each is served. */
export type ScheduleCommand =
  | { type: 'Hold'; userId: number }
  | { type: 'Release'; userId: number }
  | { type: 'CreateReservation'; userId: number; participants: number }
  | { type: 'Expire' }
  | { type: 'Block' }
  | { type: 'Unblock' }
  | { type: 'Get' }
  | {
      type: 'BeginPayment';
      userId: number;
      reservationId: number;
      orderId: string;
      amount: number;
      paymentKey: string;
      idempotencyKey: string;
      /** After this many declines the reservation is paid on site: no further attempt reaches the gateway. */
      maxDeclines: number;
      /** When the reconciler may first look at the attempt, should it never be settled. */
      checkAt: Date;
    }
  | { type: 'SettlePayment'; reservationId: number; attemptId: number | null; outcome: PaymentOutcome }
  | { type: 'Cancel'; userId: number; reservationId: number; reason: string; deadlineMinutes: number; refundAmount?: number };

/** Internal: re-read the schedule from the database; sent by the registry to keep a busy actor's published state fresh. */
export type Refresh = { type: 'Refresh' };

/** What reaches an actor's mailbox: the public commands and the internal Refresh. */
export type ScheduleMessage = ScheduleCommand | Refresh;

/**
 * How each message is served, in one place. `fromPublished`: whether it may be answered from the
 * actor's published state (its state after the last message, younger than ACTOR_STALE_MS) without
 * entering the mailbox: never, always (it only reads), or only when the answer is that refusal
 * (a losing hold). `freshRead`: an answer that writes nothing must be decided on a fresh read, not
 * on memory (a booking or money command may have been overtaken by another process; a gateway's
 * answer is never dropped on the word of memory; Refresh exists to re-read). Without it, memory
 * younger than ACTOR_STALE_MS answers. A write never needs a read first: its compare-and-set
 * catches a moved version.
 */
export interface MessageSpec {
  fromPublished: boolean | 'SCHEDULE_NOT_AVAILABLE';
  freshRead: boolean;
  internal?: true;
}

export const COMMANDS = {
  Hold: { fromPublished: 'SCHEDULE_NOT_AVAILABLE', freshRead: false },
  Release: { fromPublished: false, freshRead: true },
  CreateReservation: { fromPublished: false, freshRead: true },
  Expire: { fromPublished: false, freshRead: false },
  Block: { fromPublished: false, freshRead: true },
  Unblock: { fromPublished: false, freshRead: true },
  Get: { fromPublished: true, freshRead: false },
  BeginPayment: { fromPublished: false, freshRead: true },
  SettlePayment: { fromPublished: false, freshRead: true },
  Cancel: { fromPublished: false, freshRead: true },
  Refresh: { fromPublished: false, freshRead: true, internal: true },
} as const satisfies Record<ScheduleMessage['type'], MessageSpec>;

/**
 * What the gateway said about an attempt, as it comes back to the actor. A decline that `counts`
 * was the card holder's (towards MAX_PAYMENT_ATTEMPTS); `RETRYABLE` ones and our own faults do not.
 */
export type PaymentOutcome =
  | { kind: 'approved'; payment: Omit<NewPayment, 'reservationId'> }
  | {
      kind: 'declined';
      outcome: 'DECLINED' | 'RETRYABLE';
      counts: boolean;
      gatewayCode: string | null;
      message: string | null;
      /** Let the reservation go (EXPIRED, slot freed) rather than back to PENDING: its order can never be paid again. */
      expire?: boolean;
    };

export type CommandType = ScheduleMessage['type'];

export interface ScheduleView {
  id: number;
  themeId: number;
  date: string;
  startTime: string;
  status: ScheduleStatus;
  holdExpiresAt?: Date;
}

export interface HoldView {
  scheduleId: number;
  status: 'HOLD';
  holdExpiresAt: Date;
}

/** What the actor says about a reservation: the row, without its bookkeeping times. */
export type ReservationSummary = Omit<ReservationRow, 'createdAt' | 'updatedAt'>;

/** Faults rather than rejections: the command may or may not have been applied. */
export type Failure = { ok: false; code: 'DATABASE_UNAVAILABLE' | 'ACTOR_FAILED' | 'ACTOR_TIMEOUT' | 'WRITE_CONFLICT' };

type Rejection<C extends string> = { ok: false; code: C | 'SCHEDULE_NOT_FOUND' };

/** A per-user cap refused the write; `limit` names the setting. */
export type LimitReached = { ok: false; code: 'HOLD_LIMIT_REACHED'; limit: 'MAX_ACTIVE_HOLDS_PER_USER' | 'MAX_PENDING_PER_USER'; max: number };

/** The user was granted too many holds in the last minute. */
export type RateLimited = { ok: false; code: 'HOLD_RATE_LIMITED'; retryAfterSeconds: number };

export interface Replies {
  Hold: { ok: true; hold: HoldView } | Rejection<'SCHEDULE_NOT_AVAILABLE' | 'SCHEDULE_IN_PAST' | 'USER_NOT_FOUND'> | LimitReached | RateLimited;
  Release: { ok: true } | Rejection<'NOT_HOLDER' | 'PAYMENT_IN_PROGRESS'>;
  CreateReservation:
    { ok: true; created: boolean; reservation: ReservationSummary } | Rejection<'HOLD_REQUIRED' | 'HOLD_EXPIRED' | 'SCHEDULE_IN_PAST' | 'INVALID_PARTICIPANTS' | 'RESERVATION_EXISTS'> | LimitReached;
  Expire: { ok: true; expired: 'HOLD' | 'RESERVATION' | null } | Rejection<never>;
  Block: { ok: true; schedule: ScheduleView } | Rejection<'SCHEDULE_NOT_AVAILABLE'>;
  Unblock: { ok: true; schedule: ScheduleView } | Rejection<'SCHEDULE_NOT_BLOCKED'>;
  Get: { ok: true; schedule: ScheduleView } | Rejection<never>;
  Refresh: { ok: true } | Rejection<never>;
  BeginPayment:
    { ok: true; reservation: ReservationSummary; attemptId: number } | Rejection<'RESERVATION_NOT_FOUND' | 'RESERVATION_NOT_PAYABLE' | 'AMOUNT_MISMATCH' | 'ORDER_MISMATCH' | 'PAY_ON_SITE'>;
  SettlePayment:
    | { ok: true; reservation: ReservationSummary }
    /** An approval for a reservation that is gone: the caller must refund it. ATTEMPT_SETTLED: someone else settled the attempt first. */
    | Rejection<'RESERVATION_NOT_PAYABLE' | 'ATTEMPT_SETTLED'>;
  Cancel: { ok: true; reservation: ReservationSummary; refund: RefundRow | null } | Rejection<'RESERVATION_NOT_FOUND' | 'NOT_CANCELABLE'>;
}

export type ReplyTo<C extends ScheduleMessage> = Replies[C['type']] | Failure;
export type AnyReply = Replies[CommandType] | Failure;

/** The message as it travels: the command plus the callback that completes the caller's ask. */
export interface Envelope<C extends ScheduleMessage = ScheduleMessage> {
  scheduleId: number;
  command: C;
  reply: (reply: ReplyTo<C>) => void;
}
