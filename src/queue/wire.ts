/**
 * The schedule command bus's wire contract as plain types (api.md, "Internal services"), with no
 * import at all: what roomescape/client ships. A job on queue `schedule-commands` carries one
 * command for one schedule (and its deadline); its return value is the reply in the shape of the
 * matching HTTP response body, or `{code, message, httpStatus}` for a rejection.
 * schedule-commands.ts checks at compile time that the bus's validator and the actors' replies
 * match these.
 */

export const SCHEDULE_COMMANDS = 'schedule-commands';

export type BusCommand =
  | { type: 'Hold'; scheduleId: number; userId: number }
  | { type: 'Release'; scheduleId: number; userId: number }
  | { type: 'CreateReservation'; scheduleId: number; userId: number; participants: number }
  | { type: 'Expire'; scheduleId: number }
  | { type: 'Block'; scheduleId: number }
  | { type: 'Unblock'; scheduleId: number }
  | { type: 'Get'; scheduleId: number };

export type BusCommandType = BusCommand['type'];

/**
 * A job's data: a command and the moment (epoch ms) past which no service may apply it, the
 * sender's timeout. The typed client always sets it; a job without one (a plain Bull producer)
 * expires `DEFAULT_COMMAND_DEADLINE_MS` after it was added. Both read the clocks of two machines:
 * keep them in step (NTP); the margin is the skew.
 */
export type BusJob = BusCommand & { deadline?: number };

/** The typed client's default timeout, and the life of a command that carries no deadline. */
export const DEFAULT_COMMAND_DEADLINE_MS = 10_000;

export type ScheduleStatus = 'AVAILABLE' | 'HOLD' | 'RESERVED' | 'BLOCKED';
export type ReservationStatus = 'PENDING' | 'PAYMENT_IN_PROGRESS' | 'CONFIRMED' | 'EXPIRED' | 'CANCELED';

/** A schedule as GET /schedules/:id answers it; times are ISO strings. */
export type ScheduleBody = {
  id: number;
  themeId: number;
  /** Seoul date, YYYY-MM-DD. */
  date: string;
  /** Seoul time, HH:MM. */
  startTime: string;
  status: ScheduleStatus;
  holdExpiresAt?: string;
};

/** POST /schedules/:id/hold's 200 body. */
export type HoldBody = {
  scheduleId: number;
  status: 'HOLD';
  holdExpiresAt: string;
};

/** POST /reservations's 201 body. */
export type ReservationBody = {
  id: number;
  scheduleId: number;
  status: ReservationStatus;
  orderId: string;
  amount: number;
  participants: number;
  expiresAt: string;
  paymentAttempts: number;
};

/** Each command's success body, as the HTTP route answers it (Release: HTTP answers 204, here `{}`). */
export interface BusBodies {
  Hold: HoldBody;
  Release: Record<string, never>;
  CreateReservation: ReservationBody;
  Expire: { expired: 'HOLD' | 'RESERVATION' | null };
  Block: ScheduleBody;
  Unblock: ScheduleBody;
  Get: ScheduleBody;
}

/** A rejection or fault: the HTTP error body plus the status HTTP would have answered with. `EXPIRED` (504): taken past its deadline, not applied. */
export interface BusRejection {
  code: string;
  message: string;
  httpStatus: number;
}

export type BusReply<K extends BusCommandType = BusCommandType> = BusBodies[K] | BusRejection;

export const isRejection = (reply: unknown): reply is BusRejection => typeof reply === 'object' && reply !== null && 'code' in reply && 'httpStatus' in reply;
