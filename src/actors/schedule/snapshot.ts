import type { ScheduleActorDeps } from './actor.js';
import { decide } from './decide.js';
import type { AnyReply, ScheduleCommand } from './protocol.js';
import type { ScheduleState } from './state.js';

/** `answered`: answer this now; `stale`: the state is too old to answer from, re-read first; undefined: ask the actor. */
export type Early = { kind: 'answered'; reply: AnyReply } | { kind: 'stale' };

const STALE: Early = { kind: 'stale' };

/**
 * A hold that loses, or a Get, is answered from the actor's published state without queueing
 * behind the actor: under contention almost every hold loses. The answer is the actor's own
 * rule (`decide`) on the state it last committed, used only while that state is as fresh as an
 * answer from the actor's memory would be. It is the answer the request would get had it been
 * handled just before the messages still queued; anything else goes through the actor.
 */
export function answerFromSnapshot(deps: Pick<ScheduleActorDeps, 'holdTtlMs' | 'pendingTtlMs' | 'staleMs' | 'onReply'>) {
  const noOrderIds = () => {
    throw new Error('an answer from the snapshot never creates an order');
  };
  return (published: ScheduleState, command: ScheduleCommand): Early | undefined => {
    if ((command.type !== 'Hold' && command.type !== 'Get') || !published.aggregate) return undefined;
    const now = new Date();
    if (now.getTime() - published.confirmedAt > deps.staleMs) return STALE;
    const decision = decide(published.aggregate, command, { now, holdTtlMs: deps.holdTtlMs, pendingTtlMs: deps.pendingTtlMs, newOrderId: noOrderIds });
    if (decision.kind !== 'reply') return undefined;
    // A Get only reads; a Hold is answered here only when it loses.
    if (command.type === 'Hold' && (decision.reply.ok || decision.reply.code !== 'SCHEDULE_NOT_AVAILABLE')) return undefined;
    deps.onReply?.(command, decision.reply);
    return { kind: 'answered', reply: decision.reply };
  };
}
