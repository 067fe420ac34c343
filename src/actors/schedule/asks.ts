import { dispatch } from 'nact';
import { actorSpan } from '../../observability/tracing.js';
import type { Entry } from './directory.js';
import type { Envelope, ReplyTo, ScheduleMessage } from './protocol.js';

interface PendingAsk {
  deadline: number;
  expire: () => void;
}

/**
 * Asks to schedule actors: each message goes into the actor's mailbox in an envelope whose reply
 * settles the caller's promise, with a span (when tracing is on) and a timeout. One timer serves
 * every ask's timeout: they all wait the same time, so the oldest times out first.
 */
export class Asks {
  /** Asks not answered yet, oldest first. */
  private readonly pending = new Set<PendingAsk>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.timer = setInterval(() => this.expire(), Math.max(10, Math.min(100, Math.floor(timeoutMs / 10))));
    this.timer.unref();
  }

  /** Sends a message to the entry's actor and resolves with its reply, or ACTOR_TIMEOUT after the timeout. */
  send<C extends ScheduleMessage>(entry: Entry, scheduleId: number, command: C): Promise<ReplyTo<C>> {
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
      const waiting: PendingAsk = { deadline: Date.now() + this.timeoutMs, expire: () => settle({ ok: false, code: 'ACTOR_TIMEOUT' }) };
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

  /** Answers every ask still waiting with ACTOR_TIMEOUT. */
  stop(): void {
    clearInterval(this.timer);
    for (const waiting of [...this.pending]) waiting.expire();
  }

  private expire(): void {
    const now = Date.now();
    for (const waiting of this.pending) {
      if (waiting.deadline > now) break;
      waiting.expire();
    }
  }
}
