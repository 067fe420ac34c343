/**
 * ClockActor: the supervisor of the timing work. It runs expiry ticks, the safety net for holds
 * and reservations whose schedule actor was passivated or lived in a process that restarted.
 *
 * State: the counters, the tick running (if any) with the callers waiting for its end, the
 * self-scheduling timer, and whether the clock was stopped.
 * Lifecycle: one per process, spawned at start. In `self` mode (no Redis) it arms an unref'd
 * timer `everyMs` after each tick ends, so a slow tick delays the next instead of piling up.
 * In `driven` mode a Bull repeat sends Tick once per slot across all instances, and no timer runs.
 * The tick runs outside the message handler and reports back with TickDone, so Stop is answered
 * while it works, and a second Tick joins the running one instead of overlapping it. The counters
 * are published through `onStats` whenever they change, for readers that must not wait (metrics).
 * Caveat: a crash resumes with the state as it was (see index.ts) and re-arms, so it never loses
 * the schedule; a failing tick is not a crash, it is counted and the next one tries again. A tick
 * that outlasts the interval may overlap the next slot's on another instance: harmless, since the
 * schedule actors re-check every deadline and write with compare-and-set.
 */
import { dispatch, type Ref } from 'nact';
import type { TickCounts } from './tick.js';
import type { ClockMessage, ClockStats, TickResult } from './protocol.js';

export interface ClockDeps {
  everyMs: number;
  mode: 'self' | 'driven';
  runTick: (now: Date) => Promise<TickCounts>;
  onTick?: (result: TickResult, stats: ClockStats) => void;
  /** Called with the counters whenever they change, so readers never wait behind the mailbox. */
  onStats?: (stats: ClockStats) => void;
}

interface Running {
  slot?: number;
  waiters: ((result: TickResult | null) => void)[];
}

export interface ClockState {
  stats: Omit<ClockStats, 'running'>;
  running: Running | null;
  timer: NodeJS.Timeout | null;
  stopped: boolean;
}

export const initialClockState = (): ClockState => ({
  stats: { ticks: 0, lastTickMs: 0, lastTickAt: null, holdsExpired: 0, reservationsExpired: 0, waitlistsClosed: 0, failures: 0, errors: 0 },
  running: null,
  timer: null,
  stopped: false,
});

export function clockActor(deps: ClockDeps) {
  const arm = (state: ClockState, self: Ref<ClockMessage>): ClockState => {
    if (state.timer) clearTimeout(state.timer);
    if (deps.mode !== 'self' || state.stopped || state.running) return { ...state, timer: null };
    const timer = setTimeout(() => dispatch(self, { type: 'Tick' }), deps.everyMs);
    timer.unref();
    return { ...state, timer };
  };

  const start = (state: ClockState, self: Ref<ClockMessage>, slot: number | undefined): ClockState => {
    if (state.timer) clearTimeout(state.timer);
    const startedAt = new Date();
    const report = (counts: TickCounts, error?: string) =>
      dispatch(self, { type: 'TickDone', result: { startedAt, ms: Date.now() - startedAt.getTime(), slot, ...counts, ...(error ? { error } : {}) } });
    deps.runTick(startedAt).then(
      (counts) => report(counts),
      (err: unknown) => report({ holdsExpired: 0, reservationsExpired: 0, waitlistsClosed: 0, failures: 0 }, err instanceof Error ? err.message : String(err)),
    );
    deps.onStats?.({ ...state.stats, running: true });
    return { ...state, timer: null, running: { slot, waiters: [] } };
  };

  const finish = (state: ClockState, result: TickResult, self: Ref<ClockMessage>): ClockState => {
    const s = state.stats;
    const stats = {
      ticks: s.ticks + 1,
      lastTickMs: result.ms,
      lastTickAt: result.startedAt,
      holdsExpired: s.holdsExpired + result.holdsExpired,
      reservationsExpired: s.reservationsExpired + result.reservationsExpired,
      waitlistsClosed: s.waitlistsClosed + result.waitlistsClosed,
      failures: s.failures + result.failures,
      errors: s.errors + (result.error ? 1 : 0),
    };
    for (const waiter of state.running?.waiters ?? []) waiter(result);
    deps.onStats?.({ ...stats, running: false });
    deps.onTick?.(result, { ...stats, running: false });
    return arm({ ...state, stats, running: null }, self);
  };

  return (state: ClockState, msg: ClockMessage, ctx: { self: Ref<ClockMessage> }): ClockState => {
    switch (msg.type) {
      case 'Tick': {
        if (state.stopped) {
          msg.reply?.(null);
          return state;
        }
        const next = state.running ? state : start(state, ctx.self, msg.slot);
        if (msg.reply) next.running!.waiters.push(msg.reply);
        return next;
      }
      case 'TickDone':
        return finish(state, msg.result, ctx.self);
      case 'Arm':
        return arm(state, ctx.self);
      case 'Stop': {
        if (state.timer) clearTimeout(state.timer);
        if (state.running) state.running.waiters.push(() => msg.reply());
        else msg.reply();
        return { ...state, timer: null, stopped: true };
      }
      case 'Crash':
        throw new Error('clock crash requested by a test');
    }
  };
}
