/**
 * The schedule actors of one process, sharded over a fixed set of router actors.
 *
 * A schedule id hashes to one router, which is the nact parent (and supervisor) of that
 * schedule's actor; nact copies a parent's child map on every message it handles, so a few
 * hundred children per parent stay cheap where tens of thousands would not. Messages go straight
 * from `ask` to the schedule actor through our own Map (nact has no lookup by name), which also
 * saves a mailbox hop. Passivation is ours too: an actor idle for `idleMs` with nothing in flight
 * is stopped and forgotten in the same tick, so no message can reach a stopped actor.
 */
import { dispatch, spawn, spawnStateless, stop, type ActorSystemRef, type Ref, type SupervisionContext } from 'nact';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { scheduleActor, type ScheduleActorDeps } from './actor.js';
import { actorSpan } from '../../observability/tracing.js';
import { answerFromSnapshot } from './snapshot.js';
import type { AnyReply, Envelope, ReplyTo, ScheduleCommand } from './protocol.js';
import { initialState, type ScheduleState } from './state.js';

export interface RegistryOptions {
  shards: number;
  idleMs: number;
  /** A soft cap on live actors: spawning past it passivates the oldest idle ones first. */
  maxLive?: number;
  /** Under the cap, an actor used more recently than this is not passivated early (default 1 s). */
  evictUnusedForMs?: number;
  askTimeoutMs: number;
  onCrash?: (scheduleId: number, err: unknown) => void;
  /** After a sweep that passivated actors, with how many. */
  onPassivated?: (count: number) => void;
}

interface PendingAsk {
  deadline: number;
  expire: () => void;
}

interface Entry {
  ref: Ref<Envelope>;
  /** The actor's state after the last message it handled: read, never written, outside the actor. */
  published?: ScheduleState;
  /** The re-read that waiting holds are queued behind, while there is one. */
  refreshing?: Promise<ReplyTo<{ type: 'Refresh' }>>;
  inFlight: number;
  lastUsed: number;
  /** Sends Expire to this actor when its hold or unpaid reservation lapses. */
  deadline?: NodeJS.Timeout;
}

/** A lapse is acted on this long after the deadline, so the actor's own clock check sees it passed. */
const DEADLINE_SLACK_MS = 25;

export interface RegistryStats {
  live: number;
  spawned: number;
  passivated: number;
  /** Passivated early, before their idle time, to stay under the live cap. */
  evicted: number;
  /** Messages sent and not answered yet, over all actors: the total mailbox depth. */
  inFlight: number;
}

export class ScheduleRegistry {
  private readonly routers: Ref<unknown>[];
  private readonly entries = new Map<number, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  /** Asks not answered yet, oldest first: they all wait the same time, so the oldest times out first. */
  private readonly pending = new Set<PendingAsk>();
  private readonly timeouts: NodeJS.Timeout;
  private readonly early: ReturnType<typeof answerFromSnapshot>;
  private readonly handle: (state: ScheduleState, envelope: Envelope) => Promise<ScheduleState>;
  /** Published state older than this is re-read in the background while it still answers. */
  private readonly refreshAheadMs: number;
  private spawned = 0;
  private passivated = 0;
  /** Of `passivated`, those passivated early to stay under `maxLive`. */
  private evicted = 0;

  constructor(system: ActorSystemRef, deps: ScheduleActorDeps, private readonly options: RegistryOptions) {
    const actor = scheduleActor({
      ...deps,
      onDeadline: (scheduleId, at) => {
        this.armDeadline(scheduleId, at);
        deps.onDeadline?.(scheduleId, at);
      },
    });
    this.handle = async (state, envelope) => {
      const next = await actor(state, envelope);
      const entry = this.entries.get(envelope.scheduleId);
      if (entry) entry.published = next;
      return next;
    };
    this.early = answerFromSnapshot(deps);
    this.refreshAheadMs = deps.staleMs / 2;
    this.routers = Array.from({ length: options.shards }, (_, i) => spawnStateless(system, () => undefined, `schedule-shard-${i}`));
    this.sweeper = setInterval(() => this.passivateIdle(), Math.max(50, Math.floor(options.idleMs / 2)));
    this.sweeper.unref();
    // One timer for every ask's timeout, rather than a timer per ask.
    this.timeouts = setInterval(() => this.expireAsks(), Math.max(10, Math.min(100, Math.floor(options.askTimeoutMs / 10))));
    this.timeouts.unref();
  }

  /** Sends a command to the schedule's actor and resolves with its reply, or a failure after the ask timeout. */
  ask<C extends ScheduleCommand>(scheduleId: number, command: C): Promise<ReplyTo<C>> {
    const entry = this.entryFor(scheduleId);
    const early = entry.published && this.early(entry.published, command);
    if (early?.kind === 'answered') {
      const now = Date.now();
      entry.lastUsed = now;
      if (!entry.refreshing && now - entry.published!.confirmedAt > this.refreshAheadMs) this.refresh(scheduleId, entry);
      return Promise.resolve(early.reply as ReplyTo<C>);
    }
    if (early?.kind === 'stale') return this.afterRefresh(scheduleId, entry, command);
    return this.send(scheduleId, entry, command);
  }

  /**
   * A burst of holds or reads arriving while the published state is too old to answer from waits for one
   * re-read, instead of queueing one by one behind it. A busy actor rarely gets there: halfway to stale,
   * the first answer from its state starts that re-read in the background.
   */
  private async afterRefresh<C extends ScheduleCommand>(scheduleId: number, entry: Entry, command: C): Promise<ReplyTo<C>> {
    const refreshed = await (entry.refreshing ?? this.refresh(scheduleId, entry));
    // The re-read just failed for want of a database: the command would only fail the same way, later.
    if (!refreshed.ok && refreshed.code === 'DATABASE_UNAVAILABLE') return refreshed;
    const early = entry.published && this.early(entry.published, command);
    if (early?.kind === 'answered') return early.reply as ReplyTo<C>;
    return this.send(scheduleId, entry, command);
  }

  private refresh(scheduleId: number, entry: Entry): Promise<ReplyTo<{ type: 'Refresh' }>> {
    return (entry.refreshing = this.send(scheduleId, entry, { type: 'Refresh' }).then((reply) => {
      entry.refreshing = undefined;
      return reply;
    }));
  }

  private send<C extends ScheduleCommand>(scheduleId: number, entry: Entry, command: C): Promise<ReplyTo<C>> {
    const span = actorSpan(`actor ${command.type}`, scheduleId);
    entry.inFlight += 1;
    entry.lastUsed = Date.now();
    return new Promise<ReplyTo<C>>((resolve) => {
      let settled = false;
      const settle = (reply: ReplyTo<C>) => {
        if (settled) return;
        settled = true;
        this.pending.delete(waiting);
        span?.setAttribute('reply.code', reply.ok ? 'OK' : reply.code);
        span?.end();
        resolve(reply);
      };
      const waiting: PendingAsk = { deadline: Date.now() + this.options.askTimeoutMs, expire: () => settle({ ok: false, code: 'ACTOR_TIMEOUT' }) };
      this.pending.add(waiting);
      const envelope: Envelope<C> = {
        scheduleId,
        command,
        reply: (reply) => {
          entry.inFlight -= 1;
          entry.lastUsed = Date.now();
          settle(reply);
        },
      };
      dispatch(entry.ref, envelope as unknown as Envelope);
    });
  }

  stats(): RegistryStats {
    let inFlight = 0;
    for (const entry of this.entries.values()) inFlight += entry.inFlight;
    return { live: this.entries.size, spawned: this.spawned, passivated: this.passivated, evicted: this.evicted, inFlight };
  }

  stop(): void {
    clearInterval(this.sweeper);
    clearInterval(this.timeouts);
    for (const waiting of [...this.pending]) waiting.expire();
    for (const entry of this.entries.values()) {
      clearTimeout(entry.deadline);
      stop(entry.ref);
    }
    this.entries.clear();
    for (const router of this.routers) stop(router);
  }

  private entryFor(scheduleId: number): Entry {
    const existing = this.entries.get(scheduleId);
    if (existing) return existing;
    if (this.options.maxLive !== undefined && this.entries.size >= this.options.maxLive) this.passivateOldest(this.options.maxLive);
    const router = this.routers[scheduleId % this.routers.length]!;
    const ref = spawn(router, this.handle, `schedule-${scheduleId}`, {
      initialStateFunc: initialState,
      onCrash: (msg: Envelope | undefined, err: Error | undefined, ctx: SupervisionContext<Envelope, Ref<unknown>>) => this.crashed(scheduleId, msg, err, ctx),
    }) as Ref<Envelope>;
    const entry: Entry = { ref, inFlight: 0, lastUsed: Date.now() };
    this.entries.set(scheduleId, entry);
    this.spawned += 1;
    return entry;
  }

  private expireAsks(): void {
    const now = Date.now();
    for (const waiting of this.pending) {
      if (waiting.deadline > now) break;
      waiting.expire();
    }
  }

  private armDeadline(scheduleId: number, at: Date | null): void {
    const entry = this.entries.get(scheduleId);
    if (!entry) return;
    clearTimeout(entry.deadline);
    entry.deadline = undefined;
    if (!at) return;
    const delay = Math.min(2_147_000_000, Math.max(0, at.getTime() - Date.now()) + DEADLINE_SLACK_MS);
    entry.deadline = setTimeout(() => void this.ask(scheduleId, { type: 'Expire' }), delay);
    entry.deadline.unref();
  }

  /** The message that crashed the actor gets an answer, and the actor starts over from the database. */
  private crashed(scheduleId: number, msg: Envelope | undefined, err: unknown, ctx: SupervisionContext<Envelope, Ref<unknown>>): symbol {
    this.options.onCrash?.(scheduleId, err);
    const failure: AnyReply = { ok: false, code: isDatabaseUnavailable(err) ? 'DATABASE_UNAVAILABLE' : 'ACTOR_FAILED' };
    (msg?.reply as ((r: AnyReply) => void) | undefined)?.(failure);
    return ctx.reset as symbol;
  }

  /**
   * Makes room under the cap: passivates up to 1 % of it, oldest spawned first (a Map iterates in
   * insertion order), skipping actors with messages in flight or used in the last second. Looks at
   * a bounded number of entries, so when every actor is busy the cap is exceeded rather than waited on.
   */
  private passivateOldest(maxLive: number): void {
    const batch = Math.max(1, Math.floor(maxLive / 100));
    const recent = Date.now() - (this.options.evictUnusedForMs ?? 1_000);
    let looked = 0;
    let count = 0;
    for (const [id, entry] of this.entries) {
      if (count >= batch || (looked += 1) > batch * 10) break;
      if (entry.inFlight === 0 && entry.lastUsed <= recent) {
        this.forget(id, entry);
        count += 1;
      }
    }
    this.evicted += count;
  }

  private forget(id: number, entry: Entry): void {
    // A passivated actor's deadlines are the clock's tick's to catch.
    clearTimeout(entry.deadline);
    this.entries.delete(id);
    stop(entry.ref);
    this.passivated += 1;
  }

  private passivateIdle(): void {
    const cutoff = Date.now() - this.options.idleMs;
    let count = 0;
    for (const [id, entry] of this.entries) {
      if (entry.inFlight === 0 && entry.lastUsed <= cutoff) {
        this.forget(id, entry);
        count += 1;
      }
    }
    if (count > 0) this.options.onPassivated?.(count);
  }
}

export type { ScheduleState };
