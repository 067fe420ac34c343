import { isDataError } from '../errors.js';
import type { Db } from '../knex.js';
import { insertLoginHistory, type LoginRecord } from './login-history.js';

export type BookingEventType = 'HELD' | 'RELEASED' | 'RESERVED' | 'PAYMENT_STARTED' | 'PAYMENT_APPROVED' | 'PAYMENT_DECLINED' | 'EXPIRED' | 'CANCELED' | 'REFUNDED';

export interface PaymentAttemptRecord {
  reservationId: number;
  orderId: string;
  paymentKey: string;
  amount: number;
  success: boolean;
  code: string | null;
  message: string | null;
  at: Date;
}

export interface BookingEventRecord {
  scheduleId: number;
  userId: number | null;
  reservationId: number | null;
  type: BookingEventType;
  detail?: Record<string, unknown>;
  at: Date;
}

/** One row of any history table, as the history actor queues, spills and writes it. */
export type HistoryRow = { kind: 'login'; record: LoginRecord } | { kind: 'payment'; record: PaymentAttemptRecord } | { kind: 'event'; record: BookingEventRecord };

/** One multi-row INSERT. */
export async function insertPaymentAttempts(db: Db, rows: PaymentAttemptRecord[]): Promise<void> {
  if (rows.length === 0) return;
  await db('payment_attempts').insert(
    rows.map((r) => ({
      reservation_id: r.reservationId,
      order_id: r.orderId,
      payment_key: r.paymentKey,
      amount: r.amount,
      success: r.success,
      code: r.code,
      message: r.message,
      created_at: r.at,
    })),
  );
}

/** One multi-row INSERT. */
export async function insertBookingEvents(db: Db, rows: BookingEventRecord[]): Promise<void> {
  if (rows.length === 0) return;
  await db('booking_events').insert(
    rows.map((r) => ({
      schedule_id: r.scheduleId,
      user_id: r.userId,
      reservation_id: r.reservationId,
      type: r.type,
      detail: r.detail === undefined ? null : JSON.stringify(r.detail),
      at: r.at,
    })),
  );
}

/*
 * Write guards. A batch is written in one transaction together with a guard row keyed by the
 * batch's id; writing the same id again finds the guard and writes nothing. That makes a retry
 * after an ambiguous failure (the connection dropped after COMMIT was sent) and a replay of a
 * spill file interrupted by a crash exactly-once. The guards live in history_write_guards and are
 * deleted once no retry can need them, or a day after they were written.
 */
const GUARDS = 'history_write_guards';

export interface GuardedBatch {
  /** Unique per batch; the same key is used again only to retry exactly the same rows. */
  key: string;
  rows: HistoryRow[];
  /** Guards of earlier, acknowledged batches to delete in the same transaction. */
  forget?: string[];
  /** Also delete guards older than a day (left by processes that stopped, or by rows written one by one). */
  sweep?: boolean;
}

export interface BatchWritten {
  /** False when the guard shows an earlier attempt committed these rows. */
  written: boolean;
  /** INSERT statements into history tables. */
  statements: number;
}

/** Writes a batch, one INSERT per table, in one transaction with its guard. */
export async function writeHistoryBatch(db: Db, batch: GuardedBatch): Promise<BatchWritten> {
  return db.transaction(async (trx) => {
    const claimed = await trx.raw<{ rows: unknown[] }>(`INSERT INTO ${GUARDS} (key) VALUES (?) ON CONFLICT DO NOTHING RETURNING 1`, [batch.key]);
    if (batch.forget && batch.forget.length > 0) {
      await trx(GUARDS).whereIn('key', batch.forget).delete();
    }
    if (batch.sweep) {
      await trx(GUARDS).where('created_at', '<', trx.raw(`now() - interval '1 day'`)).delete();
    }
    if (claimed.rows.length === 0) return { written: false, statements: 0 };
    const logins: LoginRecord[] = [];
    const payments: PaymentAttemptRecord[] = [];
    const events: BookingEventRecord[] = [];
    for (const row of batch.rows) {
      if (row.kind === 'login') logins.push(row.record);
      else if (row.kind === 'payment') payments.push(row.record);
      else events.push(row.record);
    }
    await insertLoginHistory(trx, logins);
    await insertPaymentAttempts(trx, payments);
    await insertBookingEvents(trx, events);
    return { written: true, statements: [logins, payments, events].filter((rows) => rows.length > 0).length };
  });
}

export interface RowsWritten {
  statements: number;
  written: number;
  /** Rows the database refused as data, with its reason. */
  refused: { row: HistoryRow; reason: string }[];
}

/**
 * Writes a batch as `writeHistoryBatch` does. If the database refuses its data (a class 22/23
 * error), writes the rows one by one under `key#i`, so one bad row does not hold back the rest,
 * and answers the refused ones. Any other error is thrown; a retry with the same key and rows
 * takes the same path.
 */
export async function writeHistoryRows(db: Db, batch: GuardedBatch): Promise<RowsWritten> {
  try {
    return { statements: (await writeHistoryBatch(db, batch)).statements, written: batch.rows.length, refused: [] };
  } catch (err) {
    if (!isDataError(err)) throw err;
  }
  const out: RowsWritten = { statements: 0, written: 0, refused: [] };
  for (const [i, row] of batch.rows.entries()) {
    try {
      out.statements += (await writeHistoryBatch(db, { key: `${batch.key}#${i}`, rows: [row] })).statements;
      out.written += 1;
    } catch (err) {
      if (!isDataError(err)) throw err;
      out.refused.push({ row, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

/** Deletes the guards whose key starts with `prefix` (a replayed spill file's). */
export async function forgetHistoryGuards(db: Db, prefix: string): Promise<void> {
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  await db(GUARDS).where('key', 'like', `${escaped}%`).delete();
}

export interface BookingEvent extends BookingEventRecord {
  id: number;
}

/** How far back a reservation's timeline looks for the holds and releases that led to it. */
const HOLDS_BEFORE_MS = 60 * 60 * 1000;

/**
 * The reservation's events, plus HELD/RELEASED/OFFERED (waiting list) events of the same user on the same schedule in the
 * hour before the reservation was created, in time order.
 */
export async function listTimeline(db: Db, reservation: { id: number; scheduleId: number; userId: number; createdAt: Date }): Promise<BookingEvent[]> {
  const since = new Date(reservation.createdAt.getTime() - HOLDS_BEFORE_MS);
  const rows = await db('booking_events')
    .where('reservation_id', reservation.id)
    .orWhere((q) => q.where({ schedule_id: reservation.scheduleId, user_id: reservation.userId }).whereIn('type', ['HELD', 'RELEASED', 'OFFERED']).whereBetween('at', [since, reservation.createdAt]))
    .orderBy([{ column: 'at' }, { column: 'id' }]);
  return rows.map((r) => ({
    id: r.id,
    scheduleId: r.schedule_id,
    userId: r.user_id,
    reservationId: r.reservation_id,
    type: r.type,
    ...(r.detail === null ? {} : { detail: r.detail }),
    at: r.at,
  }));
}
