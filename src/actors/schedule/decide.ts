import type { ScheduleAggregate } from '../../db/repositories/schedule-aggregate.js';
import { beginPayment, cancel, settlePayment } from './decide-payment.js';
import { FREE, reply, type Decision } from './decision.js';
import type { Replies, ScheduleCommand } from './protocol.js';
import { holdLapsed, summarize, toScheduleView } from './state.js';

export interface DecideEnv {
  now: Date;
  holdTtlMs: number;
  pendingTtlMs: number;
  newOrderId: () => string;
}

type DecisionFor<C extends ScheduleCommand> = Decision<Replies[C['type']]>;

const NOT_FOUND = { ok: false, code: 'SCHEDULE_NOT_FOUND' } as const;

/** The schedule's rules, with no I/O: given what is known and the time, what to answer or write. */
export function decide<C extends ScheduleCommand>(agg: ScheduleAggregate | null, command: C, env: DecideEnv): DecisionFor<C> {
  const decision = agg ? decideExisting(agg, command, env) : command.type === 'Expire' ? reply({ ok: true, expired: null }) : reply(NOT_FOUND);
  return decision as DecisionFor<C>;
}

function decideExisting(agg: ScheduleAggregate, command: ScheduleCommand, env: DecideEnv): Decision<unknown> {
  switch (command.type) {
    case 'Hold':
      return hold(agg, command.userId, env);
    case 'Release':
      return release(agg, command.userId);
    case 'CreateReservation':
      return createReservation(agg, command.userId, command.participants, env);
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

function hold(agg: ScheduleAggregate, userId: number, env: DecideEnv): Decision<Replies['Hold']> {
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

function release(agg: ScheduleAggregate, userId: number): Decision<Replies['Release']> {
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

function createReservation(agg: ScheduleAggregate, userId: number, participants: number, env: DecideEnv): Decision<Replies['CreateReservation']> {
  const { schedule: s, reservation: r, terms } = agg;
  if (r && r.userId === userId && r.status === 'PENDING') {
    return reply({ ok: true, created: false, reservation: summarize(r) });
  }
  if (r) return reply({ ok: false, code: r.userId === userId ? 'RESERVATION_EXISTS' : 'HOLD_REQUIRED' });
  if (s.status === 'AVAILABLE' && agg.lapsedHoldOf === userId) return reply({ ok: false, code: 'HOLD_EXPIRED' });
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

function expire(agg: ScheduleAggregate, now: Date): Decision<Replies['Expire']> {
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
  if (holdLapsed(agg, now)) return { kind: 'write', schedule: FREE, events: ['EXPIRED'], reply: () => ({ ok: true, expired: 'HOLD' }) };
  return reply({ ok: true, expired: null });
}

function block(agg: ScheduleAggregate, now: Date): Decision<Replies['Block']> {
  if (agg.schedule.status !== 'AVAILABLE' && !holdLapsed(agg, now)) return reply({ ok: false, code: 'SCHEDULE_NOT_AVAILABLE' });
  return { kind: 'write', schedule: { ...FREE, status: 'BLOCKED' }, reply: (c) => ({ ok: true, schedule: toScheduleView({ ...agg, schedule: c.schedule }, now) }) };
}

function unblock(agg: ScheduleAggregate, now: Date): Decision<Replies['Unblock']> {
  if (agg.schedule.status !== 'BLOCKED') return reply({ ok: false, code: 'SCHEDULE_NOT_BLOCKED' });
  return { kind: 'write', schedule: FREE, reply: (c) => ({ ok: true, schedule: toScheduleView({ ...agg, schedule: c.schedule }, now) }) };
}
