/**
 * ScheduleActor: one per schedule. Serialises every command for its schedule, so a burst of
 * holds is decided one at a time, and answers losers from memory without touching the database.
 *
 * State: the schedule aggregate (row, theme terms, active reservation) as last read or written.
 * Lifecycle: spawned on first message, reads its row lazily, passivated by the registry when idle.
 * Every transition is one compare-and-set statement at the version it was decided on; when the
 * version has moved (another process wrote), the actor re-reads and decides again. An answer that
 * writes nothing, decided on memory older than `staleMs`, is re-decided on a fresh read, so
 * several processes stay correct and no answer is staler than that.
 * Caveat: the handler awaits only the database; anything slower (the gateway) runs outside.
 */
import type { Db } from '../../db/knex.js';
import { ACTIVE_STATUSES, loadScheduleAggregate, type ScheduleAggregate } from '../../db/repositories/schedule-aggregate.js';
import { commitTransition, type Committed, type Transition } from '../../db/repositories/schedule-transitions.js';
import { decide, type DecideEnv } from './decide.js';
import type { AnyReply, Envelope, ScheduleCommand } from './protocol.js';
import type { ScheduleState } from './state.js';

export interface ScheduleActorDeps {
  db: Db;
  holdTtlMs: number;
  pendingTtlMs: number;
  staleMs: number;
  newOrderId: (scheduleId: number) => string;
  /** Called with every answer, for metrics. */
  onReply?: (command: ScheduleCommand, reply: AnyReply) => void;
}

const MAX_CAS_ATTEMPTS = 5;

export function scheduleActor(deps: ScheduleActorDeps) {
  const read = async (scheduleId: number): Promise<ScheduleState> => ({
    aggregate: await loadScheduleAggregate(deps.db, scheduleId),
    confirmedAt: Date.now(),
  });

  return async (state: ScheduleState, envelope: Envelope): Promise<ScheduleState> => {
    const { scheduleId, command } = envelope;
    const answer = (r: AnyReply) => {
      deps.onReply?.(command, r);
      (envelope.reply as (r: AnyReply) => void)(r);
    };
    let current = state.aggregate === undefined ? await read(scheduleId) : state;
    let fresh = current !== state;

    for (let attempt = 1; ; attempt += 1) {
      const now = new Date();
      const env: DecideEnv = { now, holdTtlMs: deps.holdTtlMs, pendingTtlMs: deps.pendingTtlMs, newOrderId: () => deps.newOrderId(scheduleId) };
      const decision = decide(current.aggregate ?? null, command, env);

      if (decision.kind === 'reply') {
        if (!fresh && now.getTime() - current.confirmedAt > deps.staleMs) {
          current = await read(scheduleId);
          fresh = true;
          continue;
        }
        answer(decision.reply);
        return current;
      }

      const agg = current.aggregate!;
      const transition: Transition = { scheduleId, version: agg.schedule.version, schedule: decision.schedule, reservation: decision.reservation };
      const committed = await commitTransition(deps.db, transition);
      if (!committed) {
        current = await read(scheduleId);
        fresh = true;
        if (attempt >= MAX_CAS_ATTEMPTS) {
          answer({ ok: false, code: 'WRITE_CONFLICT' });
          return current;
        }
        continue;
      }
      answer(decision.reply(committed));
      return { aggregate: merge(agg, transition, committed), confirmedAt: Date.now() };
    }
  };
}

function merge(agg: ScheduleAggregate, transition: Transition, committed: Committed): ScheduleAggregate {
  if (!transition.reservation) return { ...agg, schedule: committed.schedule };
  const r = committed.reservation;
  return { ...agg, schedule: committed.schedule, reservation: r && ACTIVE_STATUSES.includes(r.status) ? r : null };
}
