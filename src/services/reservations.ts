import type { Db } from '../db/knex.js';
import type { Role } from '../db/models/index.js';
import { listTimeline, type BookingEvent } from '../db/repositories/history.js';
import { listAttempts, type AttemptView } from '../db/repositories/payment-attempts.js';
import { findReservationView, listUserReservations, type ReservationView } from '../db/repositories/reservations.js';

export const mine = (db: Db, userId: number): Promise<ReservationView[]> => listUserReservations(db, userId);

/** The reservation if the caller may see it (its owner, or an admin); otherwise null, as if it did not exist. */
export async function visibleReservation(db: Db, id: number, caller: { userId: number; role: Role }): Promise<ReservationView | null> {
  const reservation = await findReservationView(db, id);
  if (!reservation || (reservation.userId !== caller.userId && caller.role !== 'ADMIN')) return null;
  return reservation;
}

/** Every payment attempt, written with the state change it started or ended, oldest first. */
export const paymentAttempts = (db: Db, reservationId: number): Promise<AttemptView[]> => listAttempts(db, reservationId);

/** The reservation's timeline (holds, payment steps, expiry, cancel), oldest first. */
export const timeline = (db: Db, reservation: ReservationView): Promise<BookingEvent[]> =>
  listTimeline(db, { id: reservation.id, scheduleId: reservation.scheduleId, userId: reservation.userId, createdAt: reservation.createdAt });
