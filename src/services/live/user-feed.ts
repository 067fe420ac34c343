import { frame, type ScheduleChange } from './change.js';
import type { EventStream } from './stream.js';

export interface HoldView {
  scheduleId: number;
  status: ScheduleChange['status'];
  holdExpiresAt: string | null;
  version: number;
}

export interface UserFeedSource {
  /** The user's reservations, as GET /reservations/mine answers them. */
  reservations(): Promise<{ scheduleId: number; status: string }[]>;
}

const ACTIVE = new Set(['PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED']);

/**
 * One signed-in user's stream: `event: reservations` (the whole list, re-read when a schedule it
 * concerns changes, at most once per `debounceMs`) and `event: hold` for each change of a hold of
 * theirs (taken, extended, released, lapsed, turned into a reservation), for the countdown.
 */
export class UserFeed {
  /** Schedules whose changes concern this user: their holds and active reservations. */
  readonly watched = new Set<number>();
  private readonly holding = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private again = false;

  constructor(
    readonly userId: number,
    readonly stream: EventStream<unknown>,
    private readonly source: UserFeedSource,
    private readonly onWatch: (feed: UserFeed, before: Set<number>) => void,
    private readonly debounceMs = 50,
  ) {}

  changed(c: ScheduleChange): void {
    if (c.heldBy === this.userId || this.holding.has(c.id)) {
      if (c.heldBy === this.userId && c.status === 'HOLD') this.holding.add(c.id);
      else this.holding.delete(c.id);
      this.stream.send(
        holdFrame({
          scheduleId: c.id,
          status: c.heldBy === this.userId ? c.status : 'AVAILABLE',
          holdExpiresAt: c.heldBy === this.userId && c.holdExpiresAt ? new Date(c.holdExpiresAt).toISOString() : null,
          version: c.version,
        }),
        undefined,
      );
      if (!this.watched.has(c.id)) this.setWatched(new Set([...this.watched, c.id]));
    }
    this.refreshSoon();
  }

  /** Sends the current list and holds (first frames of the stream). */
  async start(holds: HoldView[]): Promise<string> {
    for (const h of holds) this.holding.add(h.scheduleId);
    const list = await this.source.reservations();
    this.updateWatched(list);
    return frame('reservations', JSON.stringify(list)) + holds.map(holdFrame).join('');
  }

  stop(): void {
    clearTimeout(this.timer);
    this.setWatched(new Set());
  }

  private refreshSoon(): void {
    if (this.timer || this.stream.isClosed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.debounceMs);
  }

  private async refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      const list = await this.source.reservations();
      this.updateWatched(list);
      this.stream.send(frame('reservations', JSON.stringify(list)), undefined);
    } catch {
      // The database is away: the next change reads again.
    } finally {
      this.reading = false;
      if (this.again) {
        this.again = false;
        this.refreshSoon();
      }
    }
  }

  private updateWatched(list: { scheduleId: number; status: string }[]): void {
    const next = new Set(this.holding);
    for (const r of list) if (ACTIVE.has(r.status)) next.add(r.scheduleId);
    this.setWatched(next);
  }

  private setWatched(next: Set<number>): void {
    const before = new Set(this.watched);
    this.watched.clear();
    for (const id of next) this.watched.add(id);
    this.onWatch(this, before);
  }
}

const holdFrame = (h: HoldView) => frame('hold', JSON.stringify(h));
