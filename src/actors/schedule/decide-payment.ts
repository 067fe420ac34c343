import { FREE, reply, type Rule } from './decision.js';
import type { ScheduleAggregate, Written } from './model.js';
import type { Replies, ScheduleCommand } from './protocol.js';
import { summarize } from './state.js';

/** A decline that counts is one more against the card holder. */
const counted = (r: { paymentAttempts: number }, counts: boolean) => (counts ? { paymentAttempts: r.paymentAttempts + 1 } : {});

type Command<T extends ScheduleCommand['type']> = Extract<ScheduleCommand, { type: T }>;

const NOT_FOUND = { ok: false, code: 'RESERVATION_NOT_FOUND' } as const;

/**
 * BeginPayment: the caller tried to pay. A PENDING reservation of theirs, for the right order and
 * amount and before its deadline, moves to PAYMENT_IN_PROGRESS, which expiry never touches, and
 * the attempt is recorded in the same transaction (so a crash right after still leaves it for the
 * reconciler). After `maxDeclines` declines the answer is PAY_ON_SITE and nothing is written.
 */
export function beginPayment(agg: ScheduleAggregate, c: Command<'BeginPayment'>, now: Date): Rule<Replies['BeginPayment']> {
  const r = agg.reservation;
  if (!r || r.id !== c.reservationId) return reply({ ok: false, code: 'RESERVATION_NOT_PAYABLE' });
  if (r.userId !== c.userId) return reply(NOT_FOUND);
  if (r.orderId !== c.orderId) return reply({ ok: false, code: 'ORDER_MISMATCH' });
  if (r.amount !== c.amount) return reply({ ok: false, code: 'AMOUNT_MISMATCH' });
  if (r.status !== 'PENDING' || r.expiresAt <= now) return reply({ ok: false, code: 'RESERVATION_NOT_PAYABLE' });
  if (r.paymentAttempts >= c.maxDeclines) return reply({ ok: false, code: 'PAY_ON_SITE' });
  return {
    kind: 'write',
    schedule: {},
    reservation: { kind: 'update', id: r.id, from: 'PENDING', patch: { status: 'PAYMENT_IN_PROGRESS' } },
    effect: { beginAttempt: { reservationId: r.id, orderId: c.orderId, paymentKey: c.paymentKey, amount: c.amount, idempotencyKey: c.idempotencyKey, nextCheckAt: c.checkAt } },
    events: ['PAYMENT_STARTED'],
    reply: (w) => ({ ok: true, reservation: summarize(w.reservation!), attemptId: w.attemptId! }),
  };
}

/**
 * SettlePayment: the gateway's definite answer. Approved: the reservation is CONFIRMED and the
 * schedule RESERVED, with the payment saved and the attempt settled in the same transaction (a
 * second approval of the same payment changes nothing). Declined: back to PENDING (a decline that
 * counts adds one to the reservation's declines), or EXPIRED if the deadline passed meanwhile.
 * An unknown outcome never comes here: the reservation stays PAYMENT_IN_PROGRESS.
 */
export function settlePayment(agg: ScheduleAggregate, c: Command<'SettlePayment'>, now: Date): Rule<Replies['SettlePayment']> {
  const r = agg.reservation;
  if (!r || r.id !== c.reservationId) return reply({ ok: false, code: 'RESERVATION_NOT_PAYABLE' });
  if (c.outcome.kind === 'approved') {
    if (r.status === 'CONFIRMED') return reply({ ok: true, reservation: summarize(r) });
    // PENDING too: a reconciler may have given up on an approval that arrived late; the customer paid.
    return {
      kind: 'write',
      schedule: { status: 'RESERVED', heldBy: null, holdExpiresAt: null },
      reservation: { kind: 'update', id: r.id, from: r.status, patch: { status: 'CONFIRMED' } },
      effect: {
        insertPayment: { ...c.outcome.payment, reservationId: r.id },
        ...(c.attemptId ? { settleAttempt: { id: c.attemptId, outcome: 'APPROVED' as const, gatewayCode: null, message: null } } : {}),
      },
      events: ['PAYMENT_APPROVED'],
      reply: (w) => ({ ok: true, reservation: summarize(w.reservation!) }),
    };
  }
  if (r.status !== 'PAYMENT_IN_PROGRESS') return reply({ ok: true, reservation: summarize(r) });
  const declined = c.outcome;
  const effect = c.attemptId ? { settleAttempt: { id: c.attemptId, outcome: declined.outcome, gatewayCode: declined.gatewayCode, message: declined.message } } : {};
  if (r.expiresAt <= now || declined.expire) {
    return {
      kind: 'write',
      schedule: FREE,
      reservation: { kind: 'update', id: r.id, from: 'PAYMENT_IN_PROGRESS', patch: { status: 'EXPIRED', ...counted(r, declined.counts) } },
      effect,
      events: ['PAYMENT_DECLINED', 'EXPIRED'],
      reply: (w) => ({ ok: true, reservation: summarize(w.reservation!) }),
    };
  }
  return {
    kind: 'write',
    schedule: {},
    reservation: { kind: 'update', id: r.id, from: 'PAYMENT_IN_PROGRESS', patch: { status: 'PENDING', ...counted(r, declined.counts) } },
    effect,
    events: ['PAYMENT_DECLINED'],
    reply: (w) => ({ ok: true, reservation: summarize(w.reservation!) }),
  };
}

/**
 * Cancel: an unpaid reservation is simply given up; a confirmed one, until `deadlineMinutes`
 * before the start, is canceled and its payment marked as owed a refund in the same transaction.
 */
export function cancel(agg: ScheduleAggregate, c: Command<'Cancel'>, now: Date): Rule<Replies['Cancel']> {
  const r = agg.reservation;
  if (!r || r.id !== c.reservationId) return reply({ ok: false, code: 'NOT_CANCELABLE' });
  if (r.userId !== c.userId) return reply(NOT_FOUND);
  const base = {
    kind: 'write' as const,
    schedule: FREE,
    events: ['CANCELED' as const],
    reply: (w: Written): Replies['Cancel'] => ({ ok: true, reservation: summarize(w.reservation!), refund: w.refund }),
  };
  if (r.status === 'PENDING') {
    return { ...base, reservation: { kind: 'update', id: r.id, from: 'PENDING', patch: { status: 'CANCELED', cancelReason: c.reason } } };
  }
  const lastChance = agg.schedule.startsAt.getTime() - c.deadlineMinutes * 60_000;
  if (r.status !== 'CONFIRMED' || now.getTime() > lastChance) return reply({ ok: false, code: 'NOT_CANCELABLE' });
  return {
    ...base,
    reservation: { kind: 'update', id: r.id, from: 'CONFIRMED', patch: { status: 'CANCELED', cancelReason: c.reason } },
    effect: { requestRefund: { reservationId: r.id, reason: c.reason, ...(c.refundAmount === undefined ? {} : { amount: c.refundAmount }) } },
  };
}
