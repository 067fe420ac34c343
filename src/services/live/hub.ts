import type { ScheduleRow } from '../../actors/schedule/model.js';
import { AddressCap } from './addresses.js';
import { changeOf, HEARTBEAT, type ScheduleChange } from './change.js';
import { DayTopic } from './day-topic.js';
import { EventStream, type DropReason, type Opener, type StreamSink } from './stream.js';
import type { UserFeed } from './user-feed.js';

export interface LiveOptions {
  /** Bytes a subscriber's socket may have waiting before the subscriber is dropped. */
  maxBufferedBytes: number;
  heartbeatMs: number;
  streamsPerAddress: number;
  /** Recent events kept per theme-day for Last-Event-ID. */
  ringSize: number;
  /** How long a theme-day nobody watches keeps its recent events (for reconnects). */
  keepMs: number;
}

export const DEFAULT_LIVE: LiveOptions = { maxBufferedBytes: 256 * 1024, heartbeatMs: 15_000, streamsPerAddress: 20, ringSize: 512, keepMs: 60_000 };

/** Where changes go besides this instance's streams (Redis pub/sub), and where others' come in. */
export interface Relay {
  send(change: ScheduleChange): void;
  /** Resolves once changes from the others are heard. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Live availability: the schedule actors' commits reach every open stream of the theme-day
 * (and the streams of the users they concern). Nothing is built for a commit that no stream here
 * can see; with a relay the change also goes to the other instances, as one small object.
 */
export class LiveHub {
  private readonly days = new Map<number, Map<string, DayTopic>>();
  private readonly users = new Map<number, Set<UserFeed>>();
  private readonly watchers = new Map<number, Set<UserFeed>>();
  private readonly all = new Set<EventStream<unknown>>();
  private readonly cap: AddressCap;
  private readonly beat: NodeJS.Timeout;
  relay: Relay | undefined;
  readonly counts = { dropped: 0, opened: 0 };

  constructor(readonly options: LiveOptions = DEFAULT_LIVE) {
    this.cap = new AddressCap(options.streamsPerAddress);
    this.beat = setInterval(() => this.heartbeat(), options.heartbeatMs).unref();
  }

  /** The commit hook: a schedule actor wrote this row. */
  committed(row: ScheduleRow): void {
    if (!this.relay && this.days.size === 0 && this.users.size === 0) return;
    const change = changeOf(row);
    this.relay?.send(change);
    this.deliver(change);
  }

  /** Changes another instance committed. */
  receive(changes: ScheduleChange[]): void {
    for (const c of changes) this.deliver(c);
  }

  get streamCount(): number {
    return this.all.size;
  }

  private deliver(c: ScheduleChange): void {
    this.days.get(c.themeId)?.get(c.date)?.publish(c);
    if (this.users.size === 0) return;
    const feeds = new Set<UserFeed>();
    if (c.heldBy !== null) for (const f of this.users.get(c.heldBy) ?? []) feeds.add(f);
    for (const f of this.watchers.get(c.id) ?? []) feeds.add(f);
    for (const f of feeds) f.changed(c);
  }

  /**
   * A new stream for `address` on `res`, or null when the address holds its share already.
   * Frames sent to it wait until `open`.
   */
  stream<P>(res: StreamSink, address: string, opener?: Opener): EventStream<P> | null {
    if (!this.cap.take(address)) return null;
    const stream = new EventStream<P>(res, this.options.maxBufferedBytes, opener);
    this.all.add(stream as EventStream<unknown>);
    this.counts.opened += 1;
    stream.onEnd((reason: DropReason) => {
      this.all.delete(stream as EventStream<unknown>);
      this.cap.give(address);
      if (reason === 'slow') this.counts.dropped += 1;
    });
    return stream;
  }

  /** The theme-day's topic, made if new; `stream` (if given) joins it at once. */
  day(themeId: number, date: string, stream?: EventStream<ScheduleChange>): DayTopic {
    let dates = this.days.get(themeId);
    if (!dates) this.days.set(themeId, (dates = new Map()));
    let topic = dates.get(date);
    if (!topic) dates.set(date, (topic = new DayTopic(this.options.ringSize)));
    if (stream) {
      const t = topic;
      t.streams.add(stream);
      stream.onEnd(() => {
        t.streams.delete(stream);
        if (t.streams.size === 0) t.emptySince = Date.now();
      });
    }
    return topic;
  }

  /** Drops a topic nobody watches and nothing was told on (a stream refused for an unknown theme). */
  forget(themeId: number, date: string): void {
    const dates = this.days.get(themeId);
    const topic = dates?.get(date);
    if (!topic || topic.streams.size > 0 || topic.lastId() !== undefined) return;
    dates!.delete(date);
    if (dates!.size === 0) this.days.delete(themeId);
  }

  /** Only for topics that exist: a reconnect to a day nobody here watched gets a snapshot. */
  existingDay(themeId: number, date: string): DayTopic | undefined {
    return this.days.get(themeId)?.get(date);
  }

  addUser(feed: UserFeed): void {
    let set = this.users.get(feed.userId);
    if (!set) this.users.set(feed.userId, (set = new Set()));
    set.add(feed);
    feed.stream.onEnd(() => {
      feed.stop();
      set.delete(feed);
      if (set.size === 0) this.users.delete(feed.userId);
    });
  }

  /** A user feed's watched schedules changed from `before` to `feed.watched`. */
  rewatch(feed: UserFeed, before: Set<number>): void {
    for (const id of before) {
      if (feed.watched.has(id)) continue;
      const set = this.watchers.get(id);
      set?.delete(feed);
      if (set?.size === 0) this.watchers.delete(id);
    }
    for (const id of feed.watched) {
      if (before.has(id)) continue;
      let set = this.watchers.get(id);
      if (!set) this.watchers.set(id, (set = new Set()));
      set.add(feed);
    }
  }

  private heartbeat(): void {
    for (const s of this.all) s.beat(HEARTBEAT);
    const now = Date.now();
    for (const [themeId, dates] of this.days) {
      for (const [date, topic] of dates) if (topic.streams.size === 0 && now - topic.emptySince > this.options.keepMs) dates.delete(date);
      if (dates.size === 0) this.days.delete(themeId);
    }
  }

  private closing: Promise<void> | undefined;

  /** Ends every stream and leaves the relay; once, however often it is called. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.beat);
      for (const s of [...this.all]) s.end('shutdown');
      await this.relay?.close();
    })();
    return this.closing;
  }
}
