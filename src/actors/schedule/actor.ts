/**
 * ScheduleActor: one per schedule. Serialises every command for its schedule, so a burst of
 * holds is decided one at a time, and answers losers from memory without touching the database.
 *
 * State: the schedule aggregate (row, theme terms, active reservation) as last read or written.
 * Lifecycle: spawned on first message, reads its row lazily, passivated by the registry when idle.
 * Every transition is one compare-and-set statement at the version it was decided on; when the
 * version has moved (another process wrote), the actor re-reads and decides again. An answer that
 * writes nothing is re-decided on a fresh read when it refuses a booking or money command, and
 * otherwise when its memory is older than `staleMs`, so several processes stay correct.
 * Caveat: the handler awaits only the database; anything slower (the gateway) runs outside.
 */
import { isDatabaseUnavailable } from '../../db/errors.js';
import type { Db } from '../../db/knex.js';
import { ACTIVE_STATUSES, type ScheduleAggregate } from '../../db/repositories/schedule-aggregate.js';
import type { ScheduleStore } from '../../db/repositories/schedule-batch.js';
import { AttemptAlreadySettled } from '../../db/repositories/payment-attempts.js';
import { commitTransitionWith, isLimited, type Limited, type Transition } from '../../db/repositories/schedule-transitions.js';
import { decide, type DecideEnv } from './decide.js';
import type { BookingEventType, Effect, Written } from './decision.js';
import type { AnyReply, Envelope, ScheduleCommand } from './protocol.js';
import type { ScheduleState } from './state.js';
import type { TransitionEvent } from '../../db/repositories/schedule-transitions.js';

export interface BookingEvent {
  scheduleId: number;
  userId: number | null;
  reservationId: number | null;
  type: BookingEventType;
  at: Date;
}

export interface ScheduleActorDeps {
  db: Db;
  /** Single-row reads and writes, grouped with other actors' into one statement per batch. */
  store: ScheduleStore;
  holdTtlMs: number;
  pendingTtlMs: number;
  staleMs: number;
  newOrderId: (scheduleId: number) => string;
  /** Called with every answer, for metrics. */
  onReply?: (command: ScheduleCommand, reply: AnyReply) => void;
  /** Called after each committed transition with the facts it established (already written with it, as booking_events). */
  onEvents?: (events: BookingEvent[]) => void;
  /** Called with the schedule row after every committed transition. */
  onCommitted?: (schedule: ScheduleAggregate['schedule']) => void;
  /** Called whenever the next moment something on this schedule lapses changes (null: nothing will). */
  onDeadline?: (scheduleId: number, at: Date | null) => void;
  /**
   * The per-user rate of granted holds: asked before a hold is granted (never for a hold that
   * loses), told of each grant.
   */
  holdQuota?: {
    check(userId: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
    granted(userId: number): void;
  };
}

const MAX_CAS_ATTEMPTS = 5;

/**
 * Commands that change money or a booking are never refused on the word of memory that another
 * instance may have overtaken, however young: the caller's own last write may have gone through
 * another instance (hold on A, reserve on B, pay on A). So an answer that writes nothing re-reads
 * first; a winning decision needs no read, its compare-and-set catches a moved version.
 * A gateway's answer is never dropped that way either, and a Refresh exists only to re-read.
 * Only holds, reads and expiry checks answer from memory younger than `staleMs` (losing holds are
 * the hot path, and a lost hold costs nothing).
 */
const MUST_READ_BEFORE_ANSWERING = new Set<ScheduleCommand['type']>(['CreateReservation', 'BeginPayment', 'SettlePayment', 'Cancel', 'Release', 'Block', 'Unblock', 'Refresh']);

export function scheduleActor(deps: ScheduleActorDeps) {
  const read = async (scheduleId: number): Promise<ScheduleState> => {
    const aggregate = await deps.store.load(scheduleId);
    deps.onDeadline?.(scheduleId, aggregate ? nextDeadline(aggregate) : null);
    return { aggregate, confirmedAt: Date.now() };
  };

  const handle = decideAndWrite(deps, read);
  return async (state: ScheduleState, envelope: Envelope): Promise<ScheduleState> => {
    try {
      return await handle(state, envelope);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      // Not a crash: the command may or may not have been applied, so the caller hears 503 and the
      // actor keeps its memory but trusts none of it (confirmedAt 0): the next command re-reads.
      // The outage is logged once, by the pool's watcher, not here per command.
      const failure: AnyReply = { ok: false, code: 'DATABASE_UNAVAILABLE' };
      deps.onReply?.(envelope.command, failure);
      (envelope.reply as (r: AnyReply) => void)(failure);
      return { aggregate: state.aggregate, confirmedAt: 0 };
    }
  };
}

function decideAndWrite(deps: ScheduleActorDeps, read: (scheduleId: number) => Promise<ScheduleState>) {
  return async (state: ScheduleState, envelope: Envelope): Promise<ScheduleState> => {
    const { scheduleId, command } = envelope;
    const answer = (r: AnyReply) => {
      deps.onReply?.(command, r);
      (envelope.reply as (r: AnyReply) => void)(r);
    };
    let current = state.aggregate === undefined ? await read(scheduleId) : state;
    let fresh = current !== state;

    for (let attempt = 1; ; attempt += 1) {
      const now = new Date();
      const env: DecideEnv = { now, holdTtlMs: deps.holdTtlMs, pendingTtlMs: deps.pendingTtlMs, newOrderId: () => deps.newOrderId(scheduleId) };
      const decision = decide(current.aggregate ?? null, command, env);

      if (decision.kind === 'reply') {
        if (!fresh && (MUST_READ_BEFORE_ANSWERING.has(command.type) || now.getTime() - current.confirmedAt > deps.staleMs)) {
          current = keepLapse(current, await read(scheduleId));
          fresh = true;
          continue;
        }
        answer(decision.reply);
        return current;
      }

      const agg = current.aggregate!;
      if (command.type === 'Hold' && deps.holdQuota) {
        const quota = await deps.holdQuota.check(command.userId);
        if (!quota.ok) {
          answer({ ok: false, code: 'HOLD_RATE_LIMITED', retryAfterSeconds: quota.retryAfterSeconds });
          return current;
        }
      }
      const transition: Transition = { scheduleId, version: agg.schedule.version, schedule: decision.schedule, reservation: decision.reservation };
      // The events are written by the transition's own statement.
      if (decision.events?.length) transition.events = decision.events.map((type) => plannedEvent(type, command, agg, decision.reservation, now));
      let written: Written | null | Limited;
      try {
        written = await write(deps, transition, decision.effect);
      } catch (err) {
        // Another path (the order flow, the reconciler) settled this payment attempt first: nothing was written.
        if (!(err instanceof AttemptAlreadySettled)) throw err;
        answer({ ok: false, code: 'ATTEMPT_SETTLED' });
        return read(scheduleId);
      }
      if (isLimited(written)) {
        answer(limitReached(written));
        return current;
      }
      if (!written) {
        current = await read(scheduleId);
        fresh = true;
        if (attempt >= MAX_CAS_ATTEMPTS) {
          answer({ ok: false, code: 'WRITE_CONFLICT' });
          return current;
        }
        continue;
      }
      if (command.type === 'Hold') deps.holdQuota?.granted(command.userId);
      const next = merge(agg, transition, written);
      if (command.type === 'Expire' && agg.schedule.status === 'HOLD' && !agg.reservation && agg.schedule.heldBy !== null) next.lapsedHoldOf = agg.schedule.heldBy;
      answer(decision.reply(written));
      deps.onCommitted?.(written.schedule);
      if (decision.events?.length) deps.onEvents?.(decision.events.map((type) => eventOf(type, command, agg, written, now)));
      deps.onDeadline?.(scheduleId, nextDeadline(next));
      return { aggregate: next, confirmedAt: Date.now() };
    }
  };
}

const limitReached = (l: Limited): AnyReply =>
  l.limited === 'NO_USER' ? { ok: false, code: 'USER_NOT_FOUND' } : { ok: false, code: 'HOLD_LIMIT_REACHED', limit: l.limited === 'HOLDS' ? 'MAX_ACTIVE_HOLDS_PER_USER' : 'MAX_PENDING_PER_USER', max: l.max };

async function write(deps: ScheduleActorDeps, transition: Transition, effect: Effect | undefined): Promise<Written | null | Limited> {
  if (!effect) {
    const committed = await deps.store.commit(transition);
    return committed && (isLimited(committed) ? committed : { ...committed, refund: null, attemptId: null });
  }
  return commitTransitionWith(deps.db, transition, effect);
}

/** Whose hold lapsed is known only to the actor that expired it; a re-read that finds nothing newer keeps it. */
function keepLapse(before: ScheduleState, after: ScheduleState): ScheduleState {
  const lapsedHoldOf = before.aggregate?.lapsedHoldOf;
  if (lapsedHoldOf === undefined || !after.aggregate || after.aggregate.schedule.version !== before.aggregate!.schedule.version) return after;
  return { ...after, aggregate: { ...after.aggregate, lapsedHoldOf } };
}

function merge(agg: ScheduleAggregate, transition: Transition, written: Written): ScheduleAggregate {
  const { lapsedHoldOf: _, ...rest } = agg;
  if (!transition.reservation) return { ...rest, schedule: written.schedule };
  const r = written.reservation;
  return { ...rest, schedule: written.schedule, reservation: r && ACTIVE_STATUSES.includes(r.status) ? r : null };
}

/** When the hold or the unpaid reservation on this schedule lapses, if either can. */
export function nextDeadline(agg: ScheduleAggregate): Date | null {
  const r = agg.reservation;
  if (r) return r.status === 'PENDING' ? r.expiresAt : null;
  return agg.schedule.status === 'HOLD' ? agg.schedule.holdExpiresAt : null;
}

/**
 * The booking_events row of a transition, known before it is written: the same facts as `eventOf`
 * gives after, with a reservation this transition creates named 'inserted'. It goes into the
 * transition's own statement, so a kill -9 cannot separate a change from its event.
 */
function plannedEvent(type: BookingEventType, command: ScheduleCommand, before: ScheduleAggregate, change: Transition['reservation'], at: Date): TransitionEvent {
  const inserting = change?.kind === 'insert';
  const reservation = before.reservation;
  const userId = 'userId' in command ? command.userId : (reservation?.userId ?? before.schedule.heldBy);
  const about = type === 'HELD' || (type === 'RELEASED' && !inserting && !reservation);
  return { type, userId, reservationId: about ? null : inserting ? 'inserted' : (reservation?.id ?? null), at };
}

function eventOf(type: BookingEventType, command: ScheduleCommand, before: ScheduleAggregate, written: Written, at: Date): BookingEvent {
  const reservation = written.reservation ?? before.reservation;
  const userId = 'userId' in command ? command.userId : (reservation?.userId ?? before.schedule.heldBy);
  return { scheduleId: before.schedule.id, userId, reservationId: type === 'HELD' || (type === 'RELEASED' && !reservation) ? null : (reservation?.id ?? null), type, at };
}
