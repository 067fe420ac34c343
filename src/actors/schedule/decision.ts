import type { BookingEventType, Effects, ReservationChange, SchedulePatch, Written } from './model.js';
import type { Known } from './state.js';

export type { BookingEventType };

/**
 * What `decide` answers: a reply straight from what is known (the state stays as it is), or a
 * write whose committed result makes both the reply and the whole next state (`next`).
 */
export type Decision<R> =
  | { kind: 'reply'; reply: R }
  | {
      kind: 'write';
      schedule: SchedulePatch;
      reservation?: ReservationChange;
      effect?: Effects;
      events?: BookingEventType[];
      reply: (written: Written) => R;
      next: (written: Written) => Known;
    };

/** A write as the rules state it; `decide` adds the next state (see `withNext`). `lapsedHoldOf`: whose hold this write lets lapse. */
export type Planned<R> = Omit<Extract<Decision<R>, { kind: 'write' }>, 'next'> & { lapsedHoldOf?: number };

/** What a rule answers: a reply, or a planned write. */
export type Rule<R> = { kind: 'reply'; reply: R } | Planned<R>;

export const reply = <R>(r: R): { kind: 'reply'; reply: R } => ({ kind: 'reply', reply: r });

export const FREE: SchedulePatch = { status: 'AVAILABLE', heldBy: null, holdExpiresAt: null };
