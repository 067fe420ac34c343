/**
 * The schedule actors of one process, behind one `ask`. Each job has its own file: where an actor
 * lives and who supervises it (directory.ts), asks with their timeouts and spans (asks.ts), when
 * actors go (passivation.ts), answers from published state (published.ts); the actor itself
 * (actor.ts) decides, writes, publishes its state and keeps its deadline timer.
 */
import type { ActorSystemRef } from 'nact';
import { scheduleActor, type ScheduleActorDeps } from './actor.js';
import { Asks } from './asks.js';
import { Directory, type Entry } from './directory.js';
import { Passivation, type PassivationOptions } from './passivation.js';
import type { ReplyTo, ScheduleCommand } from './protocol.js';
import { PublishedState } from './published.js';

export interface RegistryOptions extends PassivationOptions {
  shards: number;
  askTimeoutMs: number;
  onCrash?: (scheduleId: number, err: unknown) => void;
}

export interface RegistryStats {
  live: number;
  spawned: number;
  passivated: number;
  /** Passivated early, before their idle time, to stay under the live cap. */
  evicted: number;
  /** Messages sent and not answered yet, over all actors: the total mailbox depth. */
  inFlight: number;
}

const REFRESH = { type: 'Refresh' } as const;

export class ScheduleRegistry {
  private readonly directory: Directory;
  private readonly asks: Asks;
  private readonly passivation: Passivation;
  private readonly published: PublishedState;

  constructor(system: ActorSystemRef, deps: ScheduleActorDeps, options: RegistryOptions) {
    this.published = new PublishedState(deps, (entry) => this.asks.send(entry, entry.scheduleId, REFRESH));
    const actor = scheduleActor(deps, (scheduleId, state) => {
      const entry = this.directory.entries.get(scheduleId);
      if (entry) this.published.publish(entry, state);
    });
    this.directory = new Directory(system, options.shards, actor, options.onCrash);
    this.asks = new Asks(options.askTimeoutMs);
    this.passivation = new Passivation(this.directory, options);
  }

  /** Sends a command to the schedule's actor (or answers it from published state) and resolves with its reply, or a failure after the ask timeout. */
  ask<C extends ScheduleCommand>(scheduleId: number, command: C): Promise<ReplyTo<C>> {
    const entry = this.entryFor(scheduleId);
    const early = this.published.answer(entry, command);
    if (early === undefined) return this.asks.send(entry, scheduleId, command);
    entry.lastUsed = Date.now();
    if (!(early instanceof Promise)) return Promise.resolve(early as ReplyTo<C>);
    return early.then((reply) => (reply as ReplyTo<C> | undefined) ?? this.asks.send(entry, scheduleId, command));
  }

  /** Whether the schedule has an actor in this process now. */
  isLive(scheduleId: number): boolean {
    return this.directory.entries.has(scheduleId);
  }

  /**
   * The reply published state gives at once, or undefined: no live actor, state too old to
   * answer from, or a command it cannot answer.
   * Spawns nothing and sends nothing; for answers made before the HTTP framework (`http/at-once.ts`).
   */
  answerAtOnce<C extends ScheduleCommand>(scheduleId: number, command: C): ReplyTo<C> | undefined {
    const entry = this.directory.entries.get(scheduleId);
    if (!entry) return undefined;
    const early = this.published.answerAtOnce(entry, command);
    if (early === undefined) return undefined;
    entry.lastUsed = Date.now();
    return early as ReplyTo<C>;
  }

  /** Makes the schedule's actor read its row again (after a change made behind its back, as an operator's SQL). */
  async refresh(scheduleId: number): Promise<void> {
    await this.asks.send(this.entryFor(scheduleId), scheduleId, { type: 'Refresh' });
  }

  stats(): RegistryStats {
    let inFlight = 0;
    for (const entry of this.directory.entries.values()) inFlight += entry.inFlight;
    const { passivated, evicted } = this.passivation;
    return { live: this.directory.entries.size, spawned: this.directory.spawned, passivated, evicted, inFlight };
  }

  stop(): void {
    this.passivation.stop();
    this.asks.stop();
    this.directory.stop();
  }

  private entryFor(scheduleId: number): Entry {
    const existing = this.directory.entries.get(scheduleId);
    if (existing) return existing;
    this.passivation.beforeSpawn();
    return this.directory.spawn(scheduleId, this.published.policy);
  }
}
