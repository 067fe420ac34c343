import { dispatch, spawn, stop, type ActorSystemRef, type Ref } from 'nact';
import type { Db } from '../../db/knex.js';
import type { Logger } from '../../logger.js';
import type { JobQueue } from '../../queue/types.js';
import { expireSchedule, type ScheduleRegistry } from '../schedule/index.js';
import { clockActor, initialClockState } from './actor.js';
import type { ClockCommand, ClockMessage, ClockStats, TickResult } from './protocol.js';
import { runExpiryTick } from './tick.js';

export type { ClockStats, TickResult, ClockCommand };

/** The queue whose repeat drives the tick when jobs are shared (Redis). */
export const EXPIRY_TICK = 'expiry-tick';

export interface ClockWiring {
  db: Db;
  registry: ScheduleRegistry;
  everyMs: number;
  log: Logger;
  /** With a shared (Bull) queue the tick is its repeat, once per slot across instances; otherwise the clock times itself. */
  queues?: JobQueue;
  pageSize?: number;
  concurrency?: number;
}

/** Told of every tick this process runs once it has ended (self-timed, repeat-driven or asked for), with the counters after it. */
export type TickListener = (result: TickResult, stats: ClockStats) => void;

/** The typed face of the clock actor. */
export class Clock {
  private stopped = false;

  constructor(
    private readonly ref: Ref<ClockMessage>,
    readonly mode: 'self' | 'driven',
    /** The counters as the actor last published them. */
    private readonly latest: () => ClockStats,
    /** Called by the actor as each tick ends; see onTick(). */
    private readonly listeners: Set<TickListener> = new Set(),
  ) {}

  /** Runs a tick now (or joins the running one); resolves with its result, or null once stopped. */
  tick(slot?: number): Promise<TickResult | null> {
    if (this.stopped) return Promise.resolve(null);
    return new Promise((resolve) => dispatch(this.ref, { type: 'Tick', slot, reply: resolve }));
  }

  /** Ticks run by this process and what they expired; read without a round trip through the mailbox. */
  stats(): ClockStats {
    return { ...this.latest() };
  }

  /**
   * Calls `listener` as each tick ends, whoever started it, until the returned function is called.
   * It runs inside the actor's turn: keep it short; an exception it throws is logged and dropped.
   */
  onTick(listener: TickListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** No more ticks; resolves once the running tick has ended, then stops the actor. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await new Promise<void>((resolve) => dispatch(this.ref, { type: 'Stop', reply: resolve }));
    stop(this.ref);
  }

  /** Test only: makes the actor throw, to show that supervision keeps it and its schedule. */
  crashForTest(): void {
    dispatch(this.ref, { type: 'Crash' });
  }
}

export function startClock(system: ActorSystemRef, wiring: ClockWiring): Clock {
  const { db, registry, everyMs, log, queues } = wiring;
  const mode = queues?.shared ? 'driven' : 'self';
  let latest: ClockStats = { ...initialClockState().stats, running: false };
  const listeners = new Set<TickListener>();
  const actor = clockActor({
    everyMs,
    mode,
    runTick: (now) => runExpiryTick({ db, expire: (id) => expireSchedule(registry, id), pageSize: wiring.pageSize ?? 500, concurrency: wiring.concurrency ?? 32 }, now),
    onTick: (result, stats) => {
      const { startedAt: _, error, ...counts } = result;
      if (error) log.error({ tick: stats.ticks, ...counts, error }, 'expiry tick failed');
      else log.info({ tick: stats.ticks, ...counts }, 'expiry tick');
      // A copy: a listener may unsubscribe (or subscribe another) while being told.
      for (const listener of [...listeners]) {
        try {
          listener(result, stats);
        } catch (err) {
          // Thrown inside the actor's turn it would crash the clock and lose the tick's end.
          log.error({ err }, 'clock tick listener failed');
        }
      }
    },
    onStats: (stats) => (latest = stats),
  });
  const ref = spawn(system, actor, 'clock', {
    initialStateFunc: initialClockState,
    // Keep the counters and the timer: resume with the state as it was, and re-arm in case the
    // message that crashed was the one that would have armed the next tick.
    onCrash: (_msg, err, ctx) => {
      log.error({ err }, 'clock actor crashed; resuming it');
      dispatch(ctx.self, { type: 'Arm' });
      return ctx.resume;
    },
  }) as Ref<ClockMessage>;
  dispatch(ref, { type: 'Arm' });

  const clock = new Clock(ref, mode, () => latest, listeners);
  if (mode === 'driven') {
    queues!.repeat(EXPIRY_TICK, everyMs, async (job) => {
      await clock.tick(job.scheduledAt);
    });
  }
  return clock;
}
