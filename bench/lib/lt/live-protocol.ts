/**
 * What the live scenario and its subscriber processes (live-subscribers.ts) say to each other over
 * the IPC channel: each request gets exactly one answer, in order. Times are µs on CLOCK_MONOTONIC
 * (process.hrtime), which every process on the machine shares.
 */

export interface StreamTarget {
  host: string;
  port: number;
  /** e.g. /themes/7/schedules/stream?date=2026-12-02 */
  path: string;
}

export type Request =
  /** Opens `perAddress` streams from each address; answered once each has its snapshot, or failed. */
  | { type: 'open'; target: StreamTarget; addresses: string[]; perAddress: number; concurrency: number }
  /** One more stream from `address`; answered with its status line's code (then closed). */
  | { type: 'probe'; target: StreamTarget; address: string }
  /** Starts changing `schedules` (hold, release, hold, ...), one change per schedule every `everyMs`, staggered. */
  | { type: 'drive'; origin: string; token: string; schedules: DriveSchedule[]; everyMs: number }
  /** Stops driving; answered once the requests in flight are answered. */
  | { type: 'stop' }
  /** Delivery of `events` to this process's streams; forgets the arrivals. */
  | { type: 'collect'; events: TimedEvent[] }
  /** Closes every stream this process opened. */
  | { type: 'close' };

export interface DriveSchedule {
  id: number;
  version: number;
  /** Held by the driver's user now: its first change is a release. */
  held: boolean;
}

/** A change whose delivery is timed: from the commit hook (the service's probe) and, for a driven one, from its request. */
export interface TimedEvent {
  id: string;
  committedUs: number | null;
  sentUs: number | null;
}

/** What latency is measured from. */
export const BASES = ['committed', 'sent'] as const;
export type Base = (typeof BASES)[number];

export interface SentChange {
  /** `<scheduleId>.<version>`: the id of the event the change is told with. */
  eventId: string;
  sentUs: number;
  answeredUs: number;
}

export type Reply =
  | { type: 'opened'; open: number; refused: Record<string, number>; failed: Record<string, number>; ms: number }
  | { type: 'probed'; status: number | null }
  | { type: 'driving' }
  | { type: 'stopped'; sent: SentChange[]; failures: Record<string, number> }
  | Delivery
  | { type: 'closed'; closed: number }
  | { type: 'error'; message: string };

export interface Delivery {
  type: 'collected';
  /** Latency of every arrival of a timed event, by base: bucket -> count (hist.ts). */
  hist: Record<Base, Record<string, number>>;
  /** From the commit, by the CLOCK_MONOTONIC second of the commit. */
  perSecond: Record<string, Record<string, number>>;
  /** Arrivals of timed events, and the arrivals expected: streams open before the event and not closed since. */
  delivered: number;
  expected: number;
  /** Arrivals past the expected count, summed over the changes (a stream told a change twice). */
  duplicates: number;
  /** `event: schedule` frames of changes not timed. */
  otherEvents: number;
  /** Reads of open streams (about the server's writes to them: a turn's changes go in one). */
  reads: number;
  open: number;
  /** Streams the server closed while this process was reading them (since the last collect), by how: "end" (a polite end), an error code, or "close". */
  dropped: Record<string, number>;
}
