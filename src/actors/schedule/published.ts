import type { ScheduleActorDeps } from './actor.js';
import { decide } from './decide.js';
import type { Entry, PublishedPolicy } from './directory.js';
import { COMMANDS, type AnyReply, type Failure, type ReplyTo, type Refresh, type ScheduleMessage } from './protocol.js';
import type { ScheduleState } from './state.js';

/** A Refresh that could not re-read: the state it was to renew stays stale. */
class RefreshFailed extends Error {
  constructor(readonly reply: Failure) {
    super(`refresh failed: ${reply.code}`);
  }
}

const noOrderIds = () => {
  throw new Error('an answer from published state never creates an order');
};

/**
 * Answers from an actor's published state: its state after its last message, held in a
 * refresh-ahead cell (`RefreshAhead`, aged by `confirmedAt`, TTL `staleMs`) that the actor
 * renews with every message and that reloads by sending the actor a Refresh. A message that
 * `COMMANDS` lets be answered from published state is decided with the actor's own `decide`:
 * the answer it would get had it been handled just before the messages still queued. Under
 * contention almost every hold loses, and a losing hold is answered here without a mailbox or a
 * database round trip. Past half the TTL an answer also starts one background Refresh; on stale
 * state the burst waits for that one re-read rather than queueing one by one behind it.
 */
export class PublishedState {
  /** Shared by every entry: published state answers for `staleMs`, and is re-read by `refresh`. */
  readonly policy: PublishedPolicy;

  constructor(
    private readonly deps: Pick<ScheduleActorDeps, 'holdTtlMs' | 'pendingTtlMs' | 'staleMs' | 'onReply'>,
    refresh: (entry: Entry) => Promise<ReplyTo<Refresh>>,
  ) {
    this.policy = {
      ttlMs: deps.staleMs,
      reload: (entry) =>
        refresh(entry).then((reply) => {
          // The actor publishes before it replies, so the entry already holds the re-read state.
          if (!reply.ok && reply.code !== 'SCHEDULE_NOT_FOUND') throw new RefreshFailed(reply);
          return entry.peek()!;
        }),
    };
  }

  /** The actor publishes the state a message left it in. */
  publish(cell: Entry, state: ScheduleState): void {
    cell.set(state, state.confirmedAt);
  }

  /** The answer from published state, at once or after the one re-read; undefined: ask the actor. */
  answer(cell: Entry, command: ScheduleMessage): AnyReply | Promise<AnyReply | undefined> | undefined {
    const rule = COMMANDS[command.type].fromPublished;
    if (rule === false || !cell.peek()?.aggregate) return undefined;
    const state = cell.get();
    if (!(state instanceof Promise)) return this.decideOn(state, command, rule);
    return state.then(
      (fresh) => this.decideOn(fresh, command, rule),
      // The re-read just failed for want of a database: the command would only fail the same way, later.
      (err: unknown) => (err instanceof RefreshFailed && err.reply.code === 'DATABASE_UNAVAILABLE' ? err.reply : undefined),
    );
  }

  /** The answer from published state if it is fresh enough to give at once; undefined otherwise (nothing is waited for). */
  answerAtOnce(cell: Entry, command: ScheduleMessage): AnyReply | undefined {
    const rule = COMMANDS[command.type].fromPublished;
    if (rule === false) return undefined;
    const state = cell.ifFresh();
    return state ? this.decideOn(state, command, rule) : undefined;
  }

  private decideOn(state: ScheduleState, command: ScheduleMessage, rule: true | 'SCHEDULE_NOT_AVAILABLE'): AnyReply | undefined {
    if (!state.aggregate) return undefined;
    const decision = decide(state, command, { now: new Date(), holdTtlMs: this.deps.holdTtlMs, pendingTtlMs: this.deps.pendingTtlMs, newOrderId: noOrderIds });
    if (decision.kind !== 'reply') return undefined;
    const reply = decision.reply as AnyReply;
    if (rule !== true && (reply.ok || reply.code !== rule)) return undefined;
    this.deps.onReply?.(command, reply);
    return reply;
  }
}
