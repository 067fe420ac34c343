import type { Knex } from 'knex';
import type { Db } from '../knex.js';
import type { ReservationRow, ReservationStatus } from '../../actors/schedule/model.js';
import type { RawRow } from '../row.js';

export interface ReservationView extends Omit<ReservationRow, 'paymentAttempts' | 'updatedAt'> {
  canceledAt: Date | null;
  cancelReason: string | null;
  theme: { id: number; name: string; storeId: number };
  schedule: { id: number; date: string; startTime: string; startsAt: Date };
  payment: { paymentKey: string; amount: number; status: string; method: string | null; approvedAt: Date | null; refundedAmount: number } | null;
}

const SELECT_VIEW = `
  SELECT r.*, s.date, s.start_time, s.starts_at, t.id AS theme_id, t.name AS theme_name, t.store_id,
         p.payment_key, p.amount AS paid_amount, p.status AS payment_status, p.method, p.approved_at, p.refunded_amount
    FROM reservations r
    JOIN schedules s ON s.id = r.schedule_id
    JOIN themes t ON t.id = s.theme_id
    LEFT JOIN payments p ON p.reservation_id = r.id`;

function toView(r: RawRow): ReservationView {
  return {
    id: r.id,
    scheduleId: r.schedule_id,
    userId: r.user_id,
    status: r.status,
    orderId: r.order_id,
    amount: r.amount,
    participants: r.participants,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    canceledAt: r.canceled_at,
    cancelReason: r.cancel_reason,
    theme: { id: r.theme_id, name: r.theme_name, storeId: r.store_id },
    schedule: { id: r.schedule_id, date: r.date, startTime: r.start_time, startsAt: r.starts_at },
    payment: r.payment_key ? { paymentKey: r.payment_key, amount: r.paid_amount, status: r.payment_status, method: r.method, approvedAt: r.approved_at, refundedAmount: r.refunded_amount } : null,
  };
}

export async function findReservationView(db: Db, id: number): Promise<ReservationView | null> {
  const { rows } = await db.raw(`${SELECT_VIEW} WHERE r.id = ?`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function listUserReservations(db: Db, userId: number): Promise<ReservationView[]> {
  const { rows } = await db.raw(`${SELECT_VIEW} WHERE r.user_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT 200`, [userId]);
  return rows.map(toView);
}

export async function listReservationsForAdmin(db: Db, filter: { date?: string; status?: ReservationStatus }): Promise<ReservationView[]> {
  const where: string[] = [];
  const bindings: Knex.Value[] = [];
  if (filter.date) {
    where.push('s.date = ?');
    bindings.push(filter.date);
  }
  if (filter.status) {
    where.push('r.status = ?');
    bindings.push(filter.status);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const { rows } = await db.raw(`${SELECT_VIEW} ${clause} ORDER BY s.starts_at, r.id LIMIT 1000`, bindings);
  return rows.map(toView);
}
