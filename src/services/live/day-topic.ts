import { eventIdOf, frame, publicBody, type ScheduleChange } from './change.js';
import type { EventStream } from './stream.js';

export interface Seen {
  status: ScheduleChange['status'];
  holdExpiresAt: number | null;
  version: number;
}

interface Told {
  id: string;
  frame: string;
  tag: ScheduleChange;
}

/**
 * The subscribers of one theme-day and its recent events. Each change is turned into its frame
 * once, here. The changes of one turn of the event loop (a batch of holds commits together) go out
 * together after it: their frames in one Buffer, and that same Buffer written once to every
 * subscriber, so a burst costs each subscriber one write, not one per change. The ring of recent
 * frames lets a reconnecting client (Last-Event-ID) get what it missed; `seen` keeps each
 * schedule's newest version, so a change that arrives twice or late (another instance, a reload)
 * is not told again.
 */
export class DayTopic {
  readonly streams = new Set<EventStream<ScheduleChange>>();
  readonly seen = new Map<number, Seen>();
  private readonly ring: { id: string; frame: string }[] = [];
  private head = 0;
  private outbox: Told[] = [];
  emptySince = Date.now();

  constructor(private readonly ringSize: number) {}

  publish(c: ScheduleChange): void {
    const known = this.seen.get(c.id);
    if (known && known.version >= c.version) return;
    this.seen.set(c.id, { status: c.status, holdExpiresAt: c.holdExpiresAt, version: c.version });
    const id = eventIdOf(c);
    this.outbox.push({ id, frame: frame('schedule', JSON.stringify(publicBody(c)), id), tag: c });
    if (this.outbox.length === 1) setImmediate(() => this.flush());
  }

  /**
   * The turn's changes into the ring, then to the streams. They enter the ring only now, so a
   * stream opened from the ring (Last-Event-ID) before the flush is sent them here, and only here.
   */
  private flush(): void {
    const told = this.outbox;
    this.outbox = [];
    for (const t of told) this.remember(t.id, t.frame);
    if (this.streams.size === 0) return;
    const bytes = Buffer.from(told.length === 1 ? told[0]!.frame : told.map((t) => t.frame).join(''));
    for (const s of this.streams) s.sendAll(bytes, told);
  }

  private remember(id: string, text: string): void {
    if (this.ring.length < this.ringSize) this.ring.push({ id, frame: text });
    else {
      this.ring[this.head] = { id, frame: text };
      this.head = (this.head + 1) % this.ringSize;
    }
  }

  /** The frames after the event `id`, oldest first; null when that event is not in the ring. */
  since(id: string): string[] | null {
    const ordered = [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
    const at = ordered.findIndex((e) => e.id === id);
    return at < 0 ? null : ordered.slice(at + 1).map((e) => e.frame);
  }

  /** The newest event's id in the ring: what a snapshot stands for. */
  lastId(): string | undefined {
    if (this.ring.length === 0) return undefined;
    return this.ring[(this.head + this.ring.length - 1) % this.ring.length]!.id;
  }
}
