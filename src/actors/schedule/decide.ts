import { beginPayment, cancel, settlePayment } from './decide-payment.js';
import { FREE, reply, type Decision, type Planned, type Rule } from './decision.js';
import { ACTIVE_STATUSES, type ScheduleAggregate, type Written } from './model.js';
import type { Replies, ScheduleMessage } from './protocol.js';
import { holdLapsed, summarize, toScheduleView, type Known } from './state.js';

export interface DecideEnv {
  now: Date;
  holdTtlMs: number;
  pendingTtlMs: number;
  newOrderId: () => string;
}

type DecisionFor<C extends ScheduleMessage> = Decision<Replies[C['type']]>;

const NOT_FOUND = { ok: false, code: 'SCHEDULE_NOT_FOUND' } as const;

/**
 * The schedule's rules, with no I/O: given what is known and the time, what to answer, or what to
 * write and what the state is once it is written. Which messages may be answered from published
 * state, and which need a fresh read first, is `COMMANDS` in protocol.ts.
 */
export function decide<C extends ScheduleMessage>(known: Known, command: C, env: DecideEnv): DecisionFor<C> {
  const agg = known.aggregate;
  const rule = agg ? decideExisting(agg, known, command, env) : command.type === 'Expire' ? reply({ ok: true, expired: null }) : reply(NOT_FOUND);
  return (rule.kind === 'reply' ? rule : withNext(agg!, rule)) as DecisionFor<C>;
}

/** The state after a write: the committed rows, the reservation kept only while active, and whose hold lapsed if this write let it. */
function withNext<R>(agg: ScheduleAggregate, planned: Planned<R>): Decision<R> {
  const { lapsedHoldOf, ...write } = planned;
  const next = (w: Written): Known => {
    const reservation = !write.reservation ? agg.reservation : w.reservation && ACTIVE_STATUSES.includes(w.reservation.status) ? w.reservation : null;
    return { aggregate: { schedule: w.schedule, terms: agg.terms, reservation }, lapsedHoldOf };
  };
  return { ...write, next };
}

function decideExisting(agg: ScheduleAggregate, known: Known, command: ScheduleMessage, env: DecideEnv): Rule<unknown> {
  switch (command.type) {
    case 'Hold':
      return hold(agg, command.userId, env);
    case 'Release':
      return release(agg, command.userId);
    case 'CreateReservation':
      return createReservation(agg, known.lapsedHoldOf, command.userId, command.participants, env);
    case 'Expire':
      return expire(agg, env.now);
    case 'Block':
      return block(agg, env.now);
    case 'Unblock':
      return unblock(agg, env.now);
    case 'Get':
      return reply({ ok: true, schedule: toScheduleView(agg, env.now) });
    case 'Refresh':
      return reply({ ok: true });
    case 'BeginPayment':
      return beginPayment(agg, command, env.now);
    case 'SettlePayment':
      return settlePayment(agg, command, env.now);
    case 'Cancel':
      return cancel(agg, command, env.now);
  }
}

function hold(agg: ScheduleAggregate, userId: number, env: DecideEnv): Rule<Replies['Hold']> {
  const s = agg.schedule;
  if (s.startsAt <= env.now) return reply({ ok: false, code: 'SCHEDULE_IN_PAST' });
  const mine = s.status === 'HOLD' && s.heldBy === userId;
  if (mine && s.holdExpiresAt && (s.holdExpiresAt > env.now || agg.reservation)) {
    return reply({ ok: true, hold: { scheduleId: s.id, status: 'HOLD', holdExpiresAt: s.holdExpiresAt } });
  }
  if (s.status !== 'AVAILABLE' && !holdLapsed(agg, env.now)) return reply({ ok: false, code: 'SCHEDULE_NOT_AVAILABLE' });
  return {
    kind: 'write',
    schedule: { status: 'HOLD', heldBy: userId, holdExpiresAt: new Date(env.now.getTime() + env.holdTtlMs) },
    events: ['HELD'],
    reply: (c) => ({ ok: true, hold: { scheduleId: c.schedule.id, status: 'HOLD', holdExpiresAt: c.schedule.holdExpiresAt! } }),
  };
}

function release(agg: ScheduleAggregate, userId: number): Rule<Replies['Release']> {
  const s = agg.schedule;
  if (s.status !== 'HOLD' || s.heldBy !== userId) return reply({ ok: false, code: 'NOT_HOLDER' });
  const r = agg.reservation;
  if (!r) return { kind: 'write', schedule: FREE, events: ['RELEASED'], reply: () => ({ ok: true }) };
  if (r.status !== 'PENDING') return reply({ ok: false, code: 'PAYMENT_IN_PROGRESS' });
  // Letting go of the slot also gives up the unpaid reservation made on it.
  return {
    kind: 'write',
    schedule: FREE,
    reservation: { kind: 'update', id: r.id, from: 'PENDING', patch: { status: 'CANCELED', cancelReason: 'hold released' } },
    events: ['RELEASED', 'CANCELED'],
    reply: () => ({ ok: true }),
  };
}

function createReservation(agg: ScheduleAggregate, lapsedHoldOf: number | undefined, userId: number, participants: number, env: DecideEnv): Rule<Replies['CreateReservation']> {
  const { schedule: s, reservation: r, terms } = agg;
  if (r && r.userId === userId && r.status === 'PENDING') {
    return reply({ ok: true, created: false, reservation: summarize(r) });
  }
  if (r) return reply({ ok: false, code: r.userId === userId ? 'RESERVATION_EXISTS' : 'HOLD_REQUIRED' });
  if (s.status === 'AVAILABLE' && lapsedHoldOf === userId) return reply({ ok: false, code: 'HOLD_EXPIRED' });
  if (s.status !== 'HOLD' || s.heldBy !== userId) return reply({ ok: false, code: 'HOLD_REQUIRED' });
  if (s.holdExpiresAt && s.holdExpiresAt <= env.now) return reply({ ok: false, code: 'HOLD_EXPIRED' });
  if (s.startsAt <= env.now) return reply({ ok: false, code: 'SCHEDULE_IN_PAST' });
  if (participants < terms.minPlayers || participants > terms.maxPlayers) return reply({ ok: false, code: 'INVALID_PARTICIPANTS' });
  const expiresAt = new Date(env.now.getTime() + env.pendingTtlMs);
  return {
    kind: 'write',
    // The hold now lasts as long as the reservation it carries.
    schedule: { holdExpiresAt: expiresAt },
    reservation: { kind: 'insert', values: { userId, orderId: env.newOrderId(), amount: terms.price, participants, expiresAt } },
    events: ['RESERVED'],
    reply: (c) => ({ ok: true, created: true, reservation: summarize(c.reservation!) }),
  };
}

function expire(agg: ScheduleAggregate, now: Date): Rule<Replies['Expire']> {
  const r = agg.reservation;
  if (r && r.status === 'PENDING' && r.expiresAt <= now) {
    return {
      kind: 'write',
      schedule: FREE,
      reservation: { kind: 'update', id: r.id, from: 'PENDING', patch: { status: 'EXPIRED' } },
      events: ['EXPIRED'],
      reply: () => ({ ok: true, expired: 'RESERVATION' }),
    };
  }
  if (holdLapsed(agg, now)) {
    // Whose hold lapsed is known only here: they hear HOLD_EXPIRED, not HOLD_REQUIRED, if they try to reserve.
    return { kind: 'write', schedule: FREE, events: ['EXPIRED'], lapsedHoldOf: agg.schedule.heldBy ?? undefined, reply: () => ({ ok: true, expired: 'HOLD' }) };
  }
  return reply({ ok: true, expired: null });
}

function block(agg: ScheduleAggregate, now: Date): Rule<Replies['Block']> {
  if (agg.schedule.status !== 'AVAILABLE' && !holdLapsed(agg, now)) return reply({ ok: false, code: 'SCHEDULE_NOT_AVAILABLE' });
  return { kind: 'write', schedule: { ...FREE, status: 'BLOCKED' }, reply: (c) => ({ ok: true, schedule: toScheduleView({ ...agg, schedule: c.schedule }, now) }) };
}

function unblock(agg: ScheduleAggregate, now: Date): Rule<Replies['Unblock']> {
  if (agg.schedule.status !== 'BLOCKED') return reply({ ok: false, code: 'SCHEDULE_NOT_BLOCKED' });
  return { kind: 'write', schedule: FREE, reply: (c) => ({ ok: true, schedule: toScheduleView({ ...agg, schedule: c.schedule }, now) }) };
}
