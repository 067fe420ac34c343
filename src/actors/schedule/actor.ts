/**
 * ScheduleActor: one per schedule. Serialises every message for its schedule, so a burst of
 * holds is decided one at a time.
 *
 * State (`ScheduleState`): the aggregate as last read or written, when the database confirmed
 * it, and the actor's deadline timer. Lifecycle: spawned on first message, reads its row lazily,
 * passivated by the registry when idle. Each message: read if nothing is known, `decide`, and
 * either answer or write one compare-and-set transition at the version decided on; when the
 * version moved (another process wrote), re-read and decide again. An answer that writes nothing
 * is decided on a fresh read when `COMMANDS` says so, and otherwise when memory is older than
 * `staleMs`. After each message the state is published (the registry answers from it), the
 * deadline timer re-armed, and only then the reply sent.
 * Caveat: the handler awaits only the database; anything slower (the gateway) runs outside.
 */
import { dispatch, type Ref } from 'nact';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { decide, type DecideEnv } from './decide.js';
import { ATTEMPT_SETTLED, isLimited, type Limited, type PlannedEvent, type ReservationChange, type ScheduleRow, type ScheduleStore, type Transition } from './model.js';
import { COMMANDS, type AnyReply, type Envelope, type ScheduleMessage } from './protocol.js';
import { nextDeadline, type ScheduleState } from './state.js';
import type { BookingEventType } from './decision.js';

export interface ScheduleActorDeps {
  /** Reads and compare-and-set writes; single-row ones are grouped with other actors' into one statement per batch. */
  store: ScheduleStore;
  holdTtlMs: number;
  pendingTtlMs: number;
  staleMs: number;
  newOrderId: (scheduleId: number) => string;
  /** Called with every answer, for metrics. */
  onReply?: (command: ScheduleMessage, reply: AnyReply) => void;
  /**
   * Called with the schedule row after every committed transition: the one place a committed
   * schedule change is published to the rest of the process (the listings today).
   */
  onCommitted?: (schedule: ScheduleRow) => void;
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
const UNAVAILABLE: AnyReply = { ok: false, code: 'DATABASE_UNAVAILABLE' };

interface Outcome {
  state: ScheduleState;
  reply: AnyReply;
}

/** The nact handler. `publish` is told each message's resulting state before its reply goes out. */
export function scheduleActor(deps: ScheduleActorDeps, publish: (scheduleId: number, state: ScheduleState) => void) {
  const step = decideAndWrite(deps);
  return async (state: ScheduleState, envelope: Envelope, ctx: { self: Ref<Envelope> }): Promise<ScheduleState> => {
    const { scheduleId, command } = envelope;
    let outcome: Outcome;
    try {
      outcome = await step(state, envelope);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      // Not a crash: the command may or may not have been applied, so the caller hears 503 and the
      // actor keeps its memory but trusts none of it (confirmedAt 0): the next command re-reads.
      // The outage is logged once, by the pool's watcher, not here per command.
      outcome = { state: { aggregate: state.aggregate, lapsedHoldOf: state.lapsedHoldOf, confirmedAt: 0, deadline: undefined }, reply: UNAVAILABLE };
    }
    rearm(state, outcome.state, ctx.self, scheduleId);
    publish(scheduleId, outcome.state);
    deps.onReply?.(command, outcome.reply);
    (envelope.reply as (r: AnyReply) => void)(outcome.reply);
    return outcome.state;
  };
}

function decideAndWrite(deps: ScheduleActorDeps) {
  // Every state is made with the same fields, `deadline` included, so the actor's timer fits in the object (a live actor stays small).
  const read = async (scheduleId: number): Promise<ScheduleState> => ({ aggregate: await deps.store.load(scheduleId), lapsedHoldOf: undefined, confirmedAt: Date.now(), deadline: undefined });

  return async (state: ScheduleState, { scheduleId, command }: Envelope): Promise<Outcome> => {
    let current = state.aggregate === undefined ? await read(scheduleId) : state;
    let fresh = current !== state;

    for (let attempt = 1; ; attempt += 1) {
      const now = new Date();
      const env: DecideEnv = { now, holdTtlMs: deps.holdTtlMs, pendingTtlMs: deps.pendingTtlMs, newOrderId: () => deps.newOrderId(scheduleId) };
      const decision = decide(current, command, env);

      if (decision.kind === 'reply') {
        if (!fresh && (COMMANDS[command.type].freshRead || now.getTime() - current.confirmedAt > deps.staleMs)) {
          current = keepLapse(current, await read(scheduleId));
          fresh = true;
          continue;
        }
        return { state: current, reply: decision.reply };
      }

      const agg = current.aggregate!;
      if (command.type === 'Hold' && deps.holdQuota) {
        const quota = await deps.holdQuota.check(command.userId);
        if (!quota.ok) return { state: current, reply: { ok: false, code: 'HOLD_RATE_LIMITED', retryAfterSeconds: quota.retryAfterSeconds } };
      }
      const transition: Transition = { scheduleId, version: agg.schedule.version, schedule: decision.schedule, reservation: decision.reservation };
      // The events are written by the transition's own statement.
      if (decision.events?.length) transition.events = decision.events.map((type) => plannedEvent(type, command, agg, decision.reservation, now));
      const written = await deps.store.commit(transition, decision.effect);
      if (written === ATTEMPT_SETTLED) return { state: await read(scheduleId), reply: { ok: false, code: 'ATTEMPT_SETTLED' } };
      if (isLimited(written)) return { state: current, reply: limitReached(written) };
      if (!written) {
        current = await read(scheduleId);
        fresh = true;
        if (attempt >= MAX_CAS_ATTEMPTS) return { state: current, reply: { ok: false, code: 'WRITE_CONFLICT' } };
        continue;
      }
      if (command.type === 'Hold') deps.holdQuota?.granted(command.userId);
      deps.onCommitted?.(written.schedule);
      const next = decision.next(written);
      return { state: { aggregate: next.aggregate, lapsedHoldOf: next.lapsedHoldOf, confirmedAt: Date.now(), deadline: undefined }, reply: decision.reply(written) };
    }
  };
}

const limitReached = (l: Limited): AnyReply =>
  l.limited === 'NO_USER'
    ? { ok: false, code: 'USER_NOT_FOUND' }
    : { ok: false, code: 'HOLD_LIMIT_REACHED', limit: l.limited === 'HOLDS' ? 'MAX_ACTIVE_HOLDS_PER_USER' : 'MAX_PENDING_PER_USER', max: l.max };

/** Whose hold lapsed is known only to the actor that expired it; a re-read that finds nothing newer keeps it. */
function keepLapse(before: ScheduleState, after: ScheduleState): ScheduleState {
  if (before.lapsedHoldOf === undefined || !after.aggregate || after.aggregate.schedule.version !== before.aggregate?.schedule.version) return after;
  return { ...after, lapsedHoldOf: before.lapsedHoldOf };
}

/**
 * The booking_events row of a transition, known before it is written, with a reservation this
 * transition creates named 'inserted'. It goes into the transition's own statement, so a kill -9
 * cannot separate a change from its event.
 */
function plannedEvent(type: BookingEventType, command: ScheduleMessage, before: NonNullable<ScheduleState['aggregate']>, change: ReservationChange | undefined, at: Date): PlannedEvent {
  const inserting = change?.kind === 'insert';
  const reservation = before.reservation;
  const userId = 'userId' in command ? command.userId : (reservation?.userId ?? before.schedule.heldBy);
  const about = type === 'HELD' || (type === 'RELEASED' && !inserting && !reservation);
  return { type, userId, reservationId: about ? null : inserting ? 'inserted' : (reservation?.id ?? null), at };
}

// --- The actor's deadline timer -----------------------------------------------------------

/** A lapse is acted on this long after the deadline, so the actor's own clock check sees it passed. */
const DEADLINE_SLACK_MS = 25;
/** setTimeout's longest delay. */
const MAX_DELAY_MS = 2_147_000_000;

/**
 * The actor's own deadline timer: after each message, `next` gets a timer for the moment its hold
 * or unpaid reservation lapses (the previous one kept if the moment did not move), which sends
 * the actor Expire then. A passivated actor's timer is cleared (`disarm`); its lapses are the
 * clock tick's.
 */
export function rearm(prev: ScheduleState, next: ScheduleState, self: Ref<Envelope>, scheduleId: number): void {
  const at = nextDeadline(next.aggregate)?.getTime();
  const armed = prev.deadline;
  if (armed && armed.at === at) {
    next.deadline = armed;
    return;
  }
  if (armed) {
    clearTimeout(armed.timer);
    next.deadline = undefined;
  }
  if (at === undefined) return;
  const timer = setTimeout(expireLater(self, scheduleId), Math.min(MAX_DELAY_MS, Math.max(0, at - Date.now()) + DEADLINE_SLACK_MS));
  timer.unref();
  next.deadline = { at, timer };
}

const ignore = () => undefined;

/** A closure of its own scope, so a timer keeps only the actor's ref and id alive. */
function expireLater(self: Ref<Envelope>, scheduleId: number): () => void {
  return () => dispatch(self, { scheduleId, command: { type: 'Expire' }, reply: ignore });
}

export function disarm(state: ScheduleState | undefined): void {
  if (state?.deadline) clearTimeout(state.deadline.timer);
}
