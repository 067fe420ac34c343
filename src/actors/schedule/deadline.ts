import { dispatch, type Ref } from 'nact';
import type { Envelope } from './protocol.js';
import { nextDeadline, type ScheduleState } from './state.js';

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
