import type { AttemptOutcome, AttemptSettlement, NewAttempt } from '../../actors/schedule/model.js';
import type { Db } from '../knex.js';
import type { RawRow } from '../row.js';

export type { AttemptOutcome, AttemptSettlement, NewAttempt };

export interface OpenAttempt {
  id: number;
  reservationId: number;
  orderId: string;
  paymentKey: string;
  amount: number;
  idempotencyKey: string;
  outcome: 'UNKNOWN' | null;
  checks: number;
  createdAt: Date;
}

/** A settlement that found its attempt already settled: the transaction it was part of must not stand. */
export class AttemptAlreadySettled extends Error {
  constructor(readonly attemptId: number) {
    super(`payment attempt ${attemptId} is already settled`);
    this.name = 'AttemptAlreadySettled';
  }
}

export async function insertAttempt(db: Db, a: NewAttempt): Promise<number> {
  const [row] = await db('payment_attempts')
    .insert({ reservation_id: a.reservationId, order_id: a.orderId, payment_key: a.paymentKey, amount: a.amount, success: false, idempotency_key: a.idempotencyKey, next_check_at: a.nextCheckAt })
    .returning('id');
  return Number(row.id);
}

/**
 * Gives an open attempt its definite outcome; throws AttemptAlreadySettled when it has one
 * already (an approval may still replace a decline: the gateway's approval is the fact).
 */
export async function settleAttempt(db: Db, s: AttemptSettlement): Promise<void> {
  const q = db('payment_attempts').where({ id: s.id });
  if (s.outcome === 'APPROVED') q.andWhere((w) => w.whereNull('outcome').orWhereNot('outcome', 'APPROVED'));
  else q.andWhere((w) => w.whereNull('outcome').orWhere('outcome', 'UNKNOWN'));
  const n = await q.update({
    outcome: s.outcome,
    success: s.outcome === 'APPROVED',
    code: s.gatewayCode ?? (s.outcome === 'APPROVED' ? 'DONE' : null),
    gateway_code: s.gatewayCode,
    message: s.message?.slice(0, 500) ?? null,
    settled_at: db.fn.now(),
    next_check_at: null,
  });
  if (n === 0) throw new AttemptAlreadySettled(s.id);
}

/** The same, for callers that only want it settled if nobody did yet. */
export async function settleAttemptIfOpen(db: Db, s: AttemptSettlement): Promise<boolean> {
  try {
    await settleAttempt(db, s);
    return true;
  } catch (err) {
    if (err instanceof AttemptAlreadySettled) return false;
    throw err;
  }
}

/** The call ended without a definite answer: the reconciler asks again from `nextCheckAt`. */
export async function markUnknown(db: Db, id: number, u: { gatewayCode: string | null; reason: string; idempotencyKey: string; nextCheckAt: Date }): Promise<void> {
  await db('payment_attempts')
    .where({ id })
    .whereNull('outcome')
    .update({ outcome: 'UNKNOWN', code: 'OUTCOME_UNKNOWN', gateway_code: u.gatewayCode, message: u.reason.slice(0, 500), idempotency_key: u.idempotencyKey, next_check_at: u.nextCheckAt });
}

/** Recorded before a confirm goes out under a new key, so a crash leaves the key the gateway may have acted on. */
export async function setAttemptKey(db: Db, id: number, idempotencyKey: string): Promise<void> {
  await db('payment_attempts').where({ id }).update({ idempotency_key: idempotencyKey });
}

export async function postponeCheck(db: Db, id: number, nextCheckAt: Date, reason: string): Promise<void> {
  await db('payment_attempts')
    .where({ id })
    .update({ checks: db.raw('checks + 1'), next_check_at: nextCheckAt, message: reason.slice(0, 500) });
}

const toOpen = (r: RawRow): OpenAttempt => ({
  id: Number(r.id),
  reservationId: Number(r.reservation_id),
  orderId: r.order_id,
  paymentKey: r.payment_key,
  amount: r.amount,
  idempotencyKey: r.idempotency_key ?? `confirm:${r.order_id}:${r.payment_key}`,
  outcome: r.outcome,
  checks: r.checks,
  createdAt: r.created_at,
});

/** Attempts without a definite outcome that are due a look, oldest due first, after the (nextCheckAt, id) cursor. */
export async function dueAttempts(db: Db, now: Date, limit: number, after?: { at: Date; id: number }): Promise<(OpenAttempt & { nextCheckAt: Date })[]> {
  const q = db('payment_attempts')
    .where((w) => w.whereNull('outcome').orWhere('outcome', 'UNKNOWN'))
    .andWhere('next_check_at', '<=', now)
    .orderBy([{ column: 'next_check_at' }, { column: 'id' }])
    .limit(limit);
  if (after) q.andWhere((w) => w.where('next_check_at', '>', after.at).orWhere((x) => x.where('next_check_at', after.at).andWhere('id', '>', after.id)));
  const rows = await q;
  return rows.map((r) => ({ ...toOpen(r), nextCheckAt: r.next_check_at }));
}

/** How many attempts are due a look now and still have no definite outcome: the reconciler's backlog. */
export async function openAttemptBacklog(db: Db, now: Date): Promise<number> {
  const [row] = await db('payment_attempts')
    .where((w) => w.whereNull('outcome').orWhere('outcome', 'UNKNOWN'))
    .andWhere('next_check_at', '<=', now)
    .count({ n: '*' });
  return Number(row?.n ?? 0);
}

export interface AttemptView {
  id: number;
  reservationId: number;
  orderId: string;
  paymentKey: string;
  amount: number;
  /** null while the gateway call runs. */
  outcome: AttemptOutcome | null;
  success: boolean;
  /** The gateway's code (DONE for an approval, OUTCOME_UNKNOWN while unknown). */
  code: string | null;
  gatewayCode: string | null;
  at: Date;
  settledAt: Date | null;
}

export async function listAttempts(db: Db, reservationId: number): Promise<AttemptView[]> {
  const rows = await db('payment_attempts')
    .where('reservation_id', reservationId)
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
  return rows.map((r) => ({
    id: Number(r.id),
    reservationId: Number(r.reservation_id),
    orderId: r.order_id,
    paymentKey: r.payment_key,
    amount: r.amount,
    outcome: r.outcome,
    success: r.success,
    code: r.code,
    gatewayCode: r.gateway_code,
    at: r.created_at,
    settledAt: r.settled_at,
  }));
}
