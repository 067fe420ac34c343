/** What one expiry tick did. */
export interface TickResult {
  startedAt: Date;
  ms: number;
  /** The repeat slot (epoch ms) when a Bull repeat drove the tick. */
  slot?: number;
  holdsExpired: number;
  reservationsExpired: number;
  waitlistsClosed: number;
  /** Expire asks answered with a fault (timeout, database down); the next tick tries them again. */
  failures: number;
  /** Set when the tick itself failed (its queries could not run). */
  error?: string;
}

export interface ClockStats {
  /** Ticks run by this process, failed ones included. */
  ticks: number;
  /** 0 until the first tick ends. */
  lastTickMs: number;
  lastTickAt: Date | null;
  holdsExpired: number;
  reservationsExpired: number;
  waitlistsClosed: number;
  failures: number;
  /** Ticks that failed as a whole. */
  errors: number;
  running: boolean;
}

/** What the outside world sends the clock. */
export type ClockCommand =
  /** Tick: runs an expiry tick now (or joins the one running) and replies with its result when it ends; null once the clock is stopped. */
  | { type: 'Tick'; slot?: number; reply?: (result: TickResult | null) => void }
  /** Stop: no more ticks; replies once the running tick (if any) has ended. */
  | { type: 'Stop'; reply: () => void };

/** Messages the clock sends itself, and the test-only crash. Not exported from the folder. */
export type ClockInternal =
  | { type: 'TickDone'; result: TickResult }
  /** Arm: (re)starts the self-scheduling timer, unless a tick is running (its end arms it). */
  | { type: 'Arm' }
  /** Crash: throws, so tests can see supervision keep the clock and its schedule. */
  | { type: 'Crash' };

export type ClockMessage = ClockCommand | ClockInternal;
