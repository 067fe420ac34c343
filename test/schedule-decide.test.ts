import test from 'ava';
import { decide as decideOn, type DecideEnv } from '../src/actors/schedule/index.js';
import type { ScheduleAggregate } from '../src/actors/schedule/model.js';
import type { ScheduleMessage } from '../src/actors/schedule/protocol.js';

/** `decide` on what an actor knows: the aggregate, and whose hold it saw lapse (memory only). */
const decide = <C extends ScheduleMessage>(agg: (ScheduleAggregate & { lapsedHoldOf?: number }) | null, command: C, e: DecideEnv) => {
  const { lapsedHoldOf, ...aggregate } = agg ?? { lapsedHoldOf: undefined };
  return decideOn({ aggregate: agg ? (aggregate as ScheduleAggregate) : null, lapsedHoldOf }, command, e);
};

const NOW = new Date('2026-12-01T03:00:00Z');
const env: DecideEnv = { now: NOW, holdTtlMs: 300_000, pendingTtlMs: 600_000, newOrderId: () => 'rsv-1-fixed' };
const later = (ms: number) => new Date(NOW.getTime() + ms);

function aggregate(overrides: Partial<ScheduleAggregate['schedule']> = {}, reservation: Partial<NonNullable<ScheduleAggregate['reservation']>> | null = null): ScheduleAggregate {
  return {
    schedule: { id: 1, themeId: 1, date: '2026-12-02', startTime: '10:00', startsAt: later(86_400_000), status: 'AVAILABLE', heldBy: null, holdExpiresAt: null, version: 3, ...overrides },
    terms: { price: 25000, minPlayers: 2, maxPlayers: 5 },
    reservation: reservation && {
      id: 9,
      scheduleId: 1,
      userId: 7,
      status: 'PENDING',
      orderId: 'rsv-1-x',
      amount: 25000,
      participants: 2,
      expiresAt: later(60_000),
      paymentAttempts: 0,
      createdAt: NOW,
      updatedAt: NOW,
      ...reservation,
    },
  };
}
const held = (by: number, expiresIn = 60_000) => aggregate({ status: 'HOLD', heldBy: by, holdExpiresAt: later(expiresIn) });

test('Hold on an available schedule writes HOLD for the caller with the hold TTL', (t) => {
  const d = decide(aggregate(), { type: 'Hold', userId: 7 }, env);
  t.is(d.kind, 'write');
  if (d.kind === 'write') t.deepEqual(d.schedule, { status: 'HOLD', heldBy: 7, holdExpiresAt: later(300_000) });
});

test('Hold by the same user again answers the same hold without writing', (t) => {
  const d = decide(held(7), { type: 'Hold', userId: 7 }, env);
  t.deepEqual(d, { kind: 'reply', reply: { ok: true, hold: { scheduleId: 1, status: 'HOLD', holdExpiresAt: later(60_000) } } });
});

test('Hold on a schedule someone else holds answers SCHEDULE_NOT_AVAILABLE', (t) => {
  t.deepEqual(decide(held(8), { type: 'Hold', userId: 7 }, env), { kind: 'reply', reply: { ok: false, code: 'SCHEDULE_NOT_AVAILABLE' } });
});

test('Hold on a lapsed hold with no reservation takes it over', (t) => {
  const d = decide(held(8, -1), { type: 'Hold', userId: 7 }, env);
  t.is(d.kind, 'write');
});

test('Hold on a lapsed hold that carries a pending reservation answers SCHEDULE_NOT_AVAILABLE', (t) => {
  const agg = { ...held(8, -1), reservation: aggregate({}, { userId: 8 }).reservation };
  t.deepEqual(decide(agg, { type: 'Hold', userId: 7 }, env), { kind: 'reply', reply: { ok: false, code: 'SCHEDULE_NOT_AVAILABLE' } });
});

test('Hold on a schedule that has started answers SCHEDULE_IN_PAST', (t) => {
  t.deepEqual(decide(aggregate({ startsAt: later(-1) }), { type: 'Hold', userId: 7 }, env), { kind: 'reply', reply: { ok: false, code: 'SCHEDULE_IN_PAST' } });
});

test('Hold on a reserved or blocked schedule answers SCHEDULE_NOT_AVAILABLE', (t) => {
  for (const status of ['RESERVED', 'BLOCKED'] as const) {
    t.deepEqual(decide(aggregate({ status }), { type: 'Hold', userId: 7 }, env), { kind: 'reply', reply: { ok: false, code: 'SCHEDULE_NOT_AVAILABLE' } });
  }
});

test('any command on a missing schedule answers SCHEDULE_NOT_FOUND, and Expire answers nothing to do', (t) => {
  t.deepEqual(decide(null, { type: 'Hold', userId: 7 }, env), { kind: 'reply', reply: { ok: false, code: 'SCHEDULE_NOT_FOUND' } });
  t.deepEqual(decide(null, { type: 'Expire' }, env), { kind: 'reply', reply: { ok: true, expired: null } });
});

test('Release by the holder frees the schedule', (t) => {
  const d = decide(held(7), { type: 'Release', userId: 7 }, env);
  t.true(d.kind === 'write' && d.schedule.status === 'AVAILABLE' && d.reservation === undefined);
});

test('Release by someone who does not hold it answers NOT_HOLDER', (t) => {
  t.deepEqual(decide(held(8), { type: 'Release', userId: 7 }, env), { kind: 'reply', reply: { ok: false, code: 'NOT_HOLDER' } });
});

test('Release with a pending reservation cancels that reservation in the same write', (t) => {
  const agg = { ...held(7), reservation: aggregate({}, { userId: 7 }).reservation };
  const d = decide(agg, { type: 'Release', userId: 7 }, env);
  t.true(d.kind === 'write' && d.reservation?.kind === 'update' && d.reservation.patch.status === 'CANCELED');
});

test('Release while the payment runs answers PAYMENT_IN_PROGRESS', (t) => {
  const agg = { ...held(7), reservation: aggregate({}, { userId: 7, status: 'PAYMENT_IN_PROGRESS' }).reservation };
  t.deepEqual(decide(agg, { type: 'Release', userId: 7 }, env), { kind: 'reply', reply: { ok: false, code: 'PAYMENT_IN_PROGRESS' } });
});

test("CreateReservation on the caller's live hold inserts a PENDING reservation priced from the theme", (t) => {
  const d = decide(held(7), { type: 'CreateReservation', userId: 7, participants: 3 }, env);
  t.true(d.kind === 'write');
  if (d.kind !== 'write' || d.reservation?.kind !== 'insert') return t.fail();
  t.deepEqual(d.reservation.values, { userId: 7, orderId: 'rsv-1-fixed', amount: 25000, participants: 3, expiresAt: later(600_000) });
  t.deepEqual(d.schedule, { holdExpiresAt: later(600_000) });
});

test('CreateReservation without a hold answers HOLD_REQUIRED, with a lapsed one HOLD_EXPIRED', (t) => {
  t.deepEqual(decide(aggregate(), { type: 'CreateReservation', userId: 7, participants: 3 }, env), { kind: 'reply', reply: { ok: false, code: 'HOLD_REQUIRED' } });
  t.deepEqual(decide(held(8), { type: 'CreateReservation', userId: 7, participants: 3 }, env), { kind: 'reply', reply: { ok: false, code: 'HOLD_REQUIRED' } });
  t.deepEqual(decide(held(7, -1), { type: 'CreateReservation', userId: 7, participants: 3 }, env), { kind: 'reply', reply: { ok: false, code: 'HOLD_EXPIRED' } });
});

test("CreateReservation outside the theme's player range answers INVALID_PARTICIPANTS", (t) => {
  for (const participants of [1, 6]) {
    t.deepEqual(decide(held(7), { type: 'CreateReservation', userId: 7, participants }, env), { kind: 'reply', reply: { ok: false, code: 'INVALID_PARTICIPANTS' } });
  }
});

test("CreateReservation again answers the caller's existing pending reservation without writing", (t) => {
  const agg = { ...held(7), reservation: aggregate({}, { userId: 7 }).reservation };
  const d = decide(agg, { type: 'CreateReservation', userId: 7, participants: 2 }, env);
  t.true(d.kind === 'reply' && d.reply.ok && !d.reply.created && d.reply.reservation.id === 9);
});

test('Expire frees a lapsed hold, and expires an unpaid reservation past its deadline', (t) => {
  const hold = decide(held(7, -1), { type: 'Expire' }, env);
  t.true(hold.kind === 'write' && hold.schedule.status === 'AVAILABLE' && !hold.reservation);
  const agg = { ...held(7, -1), reservation: aggregate({}, { userId: 7, expiresAt: later(-1) }).reservation };
  const pending = decide(agg, { type: 'Expire' }, env);
  t.true(pending.kind === 'write' && pending.reservation?.kind === 'update' && pending.reservation.patch.status === 'EXPIRED');
});

test('Expire leaves alone a live hold, a reservation before its deadline, and a payment in progress', (t) => {
  const nothing = { kind: 'reply', reply: { ok: true, expired: null } };
  t.deepEqual(decide(held(7), { type: 'Expire' }, env), nothing);
  t.deepEqual(decide({ ...held(7, -1), reservation: aggregate({}, { userId: 7 }).reservation }, { type: 'Expire' }, env), nothing);
  const paying = { ...held(7, -1), reservation: aggregate({}, { userId: 7, status: 'PAYMENT_IN_PROGRESS', expiresAt: later(-1) }).reservation };
  t.deepEqual(decide(paying, { type: 'Expire' }, env), nothing);
});

test('Block takes an available schedule out of sale; Unblock puts it back', (t) => {
  const blocked = decide(aggregate(), { type: 'Block' }, env);
  t.true(blocked.kind === 'write' && blocked.schedule.status === 'BLOCKED');
  t.deepEqual(decide(held(7), { type: 'Block' }, env), { kind: 'reply', reply: { ok: false, code: 'SCHEDULE_NOT_AVAILABLE' } });
  const unblocked = decide(aggregate({ status: 'BLOCKED' }), { type: 'Unblock' }, env);
  t.true(unblocked.kind === 'write' && unblocked.schedule.status === 'AVAILABLE');
  t.deepEqual(decide(aggregate(), { type: 'Unblock' }, env), { kind: 'reply', reply: { ok: false, code: 'SCHEDULE_NOT_BLOCKED' } });
});

test('Get shows a lapsed hold as AVAILABLE', (t) => {
  const d = decide(held(7, -1), { type: 'Get' }, env);
  t.true(d.kind === 'reply' && d.reply.ok && d.reply.schedule.status === 'AVAILABLE' && d.reply.schedule.holdExpiresAt === undefined);
});

test('CreateReservation by someone whose hold this process saw lapse answers HOLD_EXPIRED', (t) => {
  const agg = { ...aggregate(), lapsedHoldOf: 7 };
  t.deepEqual(decide(agg, { type: 'CreateReservation', userId: 7, participants: 3 }, env), { kind: 'reply', reply: { ok: false, code: 'HOLD_EXPIRED' } });
  t.deepEqual(decide(agg, { type: 'CreateReservation', userId: 8, participants: 3 }, env), { kind: 'reply', reply: { ok: false, code: 'HOLD_REQUIRED' } });
});
