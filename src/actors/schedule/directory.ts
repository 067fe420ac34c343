/**
 * Where each schedule's actor lives: the shards, our directory of live actors, and supervision.
 *
 * A schedule id hashes to one of a fixed set of router actors, the nact parent (and supervisor)
 * of that schedule's actor; nact copies a parent's child map on every message it handles, so a
 * few hundred children per parent stay cheap where tens of thousands would not. Messages go
 * straight to the schedule actor through our own Map (nact has no lookup by name), which also
 * saves a mailbox hop.
 */
import { spawn, spawnStateless, stop, type ActorSystemRef, type Ref, type SupervisionContext } from 'nact';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { RefreshAhead, type RefreshPolicy } from '../../cache/refresh-ahead.js';
import { disarm } from './actor.js';
import type { AnyReply, Envelope } from './protocol.js';
import { initialState, type ScheduleState } from './state.js';

/** How an entry's published state is kept: its TTL, and how it is re-read (a Refresh through the mailbox). */
export interface PublishedPolicy extends RefreshPolicy<ScheduleState> {
  reload(entry: Entry): Promise<ScheduleState>;
}

/**
 * The directory's record of a live actor. It is also, as a refresh-ahead cell, the actor's
 * published state: its state after the last message it handled (published.ts), read but never
 * written outside the actor. One object per actor, no closures: a live actor stays small.
 */
export class Entry extends RefreshAhead<ScheduleState, PublishedPolicy> {
  /** Messages sent and not answered yet. */
  inFlight = 0;
  lastUsed = Date.now();

  constructor(
    readonly scheduleId: number,
    readonly ref: Ref<Envelope>,
    policy: PublishedPolicy,
  ) {
    super(policy);
  }

  protected override fetch(): Promise<ScheduleState> {
    return this.policy.reload(this);
  }
}

type Handler = (state: ScheduleState, envelope: Envelope, ctx: { self: Ref<Envelope> }) => Promise<ScheduleState>;

export class Directory {
  private readonly routers: Ref<unknown>[];
  readonly entries = new Map<number, Entry>();
  spawned = 0;

  constructor(
    system: ActorSystemRef,
    shards: number,
    private readonly handler: Handler,
    private readonly onCrash?: (scheduleId: number, err: unknown) => void,
  ) {
    this.routers = Array.from({ length: shards }, (_, i) => spawnStateless(system, () => undefined, `schedule-shard-${i}`));
  }

  /** Spawns the schedule's actor under its shard. */
  spawn(scheduleId: number, published: PublishedPolicy): Entry {
    const router = this.routers[scheduleId % this.routers.length]!;
    const ref = spawn(router, this.handler, `schedule-${scheduleId}`, {
      initialStateFunc: initialState,
      onCrash: (msg: Envelope | undefined, err: Error | undefined, ctx: SupervisionContext<Envelope, Ref<unknown>>) => this.crashed(scheduleId, msg, err, ctx),
      // A passivated actor's deadlines are the clock tick's to catch.
      afterStop: disarm,
    }) as Ref<Envelope>;
    const entry = new Entry(scheduleId, ref, published);
    this.entries.set(scheduleId, entry);
    this.spawned += 1;
    return entry;
  }

  /** Stops the actor and forgets it in the same tick, so no message can reach a stopped actor. */
  forget(scheduleId: number, entry: Entry): void {
    this.entries.delete(scheduleId);
    stop(entry.ref);
  }

  stop(): void {
    for (const [id, entry] of this.entries) this.forget(id, entry);
    for (const router of this.routers) stop(router);
  }

  /** The message that crashed the actor gets an answer, and the actor starts over from the database. */
  private crashed(scheduleId: number, msg: Envelope | undefined, err: unknown, ctx: SupervisionContext<Envelope, Ref<unknown>>): symbol {
    this.onCrash?.(scheduleId, err);
    const failure: AnyReply = { ok: false, code: isDatabaseUnavailable(err) ? 'DATABASE_UNAVAILABLE' : 'ACTOR_FAILED' };
    (msg?.reply as ((r: AnyReply) => void) | undefined)?.(failure);
    return ctx.reset as symbol;
  }
}
