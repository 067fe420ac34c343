import type { Db } from '../db/knex.js';
import type { PaymentDeps } from './types.js';
import type { RawRow } from '../db/row.js';

export interface ChargedWithoutBooking {
  orderId: string;
  paymentKey: string;
  /** What the gateway holds for the order now (approvals less cancels in the period). */
  atGateway: number;
  /** What our books say we keep for it (0 without a confirmed or fee-retaining booking). */
  kept: number;
  reservationStatus: string | null;
}

export interface BookedWithoutPayment {
  reservationId: number;
  orderId: string;
  paid: number | null;
  atGateway: number;
}

/**
 * The daily-style comparison of the gateway's books with ours: money the gateway holds that no
 * booking (or recorded refund) explains, and confirmed bookings the gateway holds no money for.
 * Both lists must be empty. Refunds we owe and are still sending are listed apart: they are
 * recorded, not lost.
 */
export interface ReconciliationReport {
  since: string;
  until: string;
  /** False when the gateway's transaction list could not be read: the lists then prove nothing. */
  complete: boolean;
  gatewayTransactions: number;
  chargedWithoutBooking: ChargedWithoutBooking[];
  bookedWithoutPayment: BookedWithoutPayment[];
  refundsPending: { refundId: number; orderId: string; amount: number }[];
}

const PAGE = 1000;

/** Net amount per orderId over Toss's transaction list (GET /v1/transactions, https://docs.tosspayments.com/guides/apis/transactions). */
async function gatewayBalances(deps: Pick<PaymentDeps, 'gateway'>, since: Date, until: Date): Promise<{ balances: Map<string, { amount: number; paymentKey: string }>; count: number } | null> {
  if (!deps.gateway.transactions) return null;
  const balances = new Map<string, { amount: number; paymentKey: string }>();
  let count = 0;
  let startingAfter: string | undefined;
  for (;;) {
    const page = await deps.gateway.transactions({ from: since, to: until, limit: PAGE, ...(startingAfter ? { startingAfter } : {}) });
    if (page.kind !== 'ok') return null;
    for (const t of page.transactions) {
      const entry = balances.get(t.orderId) ?? { amount: 0, paymentKey: t.paymentKey };
      entry.amount += t.status === 'DONE' ? t.amount : -t.amount;
      balances.set(t.orderId, entry);
    }
    count += page.transactions.length;
    if (page.transactions.length < PAGE) return { balances, count };
    startingAfter = page.transactions[page.transactions.length - 1]!.transactionKey;
  }
}

interface Books {
  reservationId: number;
  orderId: string;
  status: string;
  paid: number | null;
  refunded: number;
  pending: number;
}

async function booksFor(db: Db, orderIds: string[]): Promise<Map<string, Books>> {
  const out = new Map<string, Books>();
  for (let i = 0; i < orderIds.length; i += 500) {
    const { rows } = await db.raw(
      `SELECT r.id, r.order_id, r.status, p.amount AS paid, p.refunded_amount,
              COALESCE((SELECT sum(f.amount) FROM payment_refunds f WHERE f.payment_id = p.id AND f.status = 'REQUESTED'), 0) AS pending
         FROM reservations r LEFT JOIN payments p ON p.order_id = r.order_id
        WHERE r.order_id = ANY(?)`,
      [orderIds.slice(i, i + 500)],
    );
    for (const r of rows) out.set(r.order_id, { reservationId: Number(r.id), orderId: r.order_id, status: r.status, paid: r.paid, refunded: r.refunded_amount ?? 0, pending: Number(r.pending) });
  }
  return out;
}

export async function reconciliationReport(deps: Pick<PaymentDeps, 'db' | 'gateway'>, period: { since: Date; until?: Date }): Promise<ReconciliationReport> {
  const until = period.until ?? new Date();
  const report: ReconciliationReport = {
    since: period.since.toISOString(),
    until: until.toISOString(),
    complete: false,
    gatewayTransactions: 0,
    chargedWithoutBooking: [],
    bookedWithoutPayment: [],
    refundsPending: [],
  };
  const gateway = await gatewayBalances(deps, period.since, until);
  if (!gateway) return report;
  report.complete = true;
  report.gatewayTransactions = gateway.count;

  const books = await booksFor(deps.db, [...gateway.balances.keys()]);
  for (const [orderId, held] of gateway.balances) {
    if (held.amount <= 0) continue;
    const b = books.get(orderId);
    // A confirmed booking keeps what was paid less refunds; a canceled one keeps the fee its policy retained.
    const keeps = b && b.paid !== null && (b.status === 'CONFIRMED' || b.status === 'CANCELED');
    const kept = keeps ? b.paid! - b.refunded - b.pending : 0;
    if (held.amount > kept + (b?.pending ?? 0)) {
      report.chargedWithoutBooking.push({ orderId, paymentKey: held.paymentKey, atGateway: held.amount, kept, reservationStatus: b?.status ?? null });
    }
  }

  const { rows: confirmed } = await deps.db.raw(
    `SELECT r.id, r.order_id, p.amount AS paid, p.refunded_amount
       FROM reservations r LEFT JOIN payments p ON p.order_id = r.order_id
      WHERE r.status = 'CONFIRMED' AND (p.id IS NULL OR (p.approved_at >= ? AND p.approved_at < ?))`,
    [period.since, until],
  );
  for (const r of confirmed) {
    const atGateway = gateway.balances.get(r.order_id)?.amount ?? 0;
    if (r.paid === null || atGateway < r.paid - r.refunded_amount) report.bookedWithoutPayment.push({ reservationId: Number(r.id), orderId: r.order_id, paid: r.paid, atGateway });
  }

  const { rows: pending } = await deps.db.raw(`SELECT f.id, f.amount, p.order_id FROM payment_refunds f JOIN payments p ON p.id = f.payment_id WHERE f.status = 'REQUESTED' ORDER BY f.id LIMIT 1000`);
  report.refundsPending = pending.map((r: RawRow) => ({ refundId: Number(r.id), orderId: r.order_id, amount: r.amount }));
  return report;
}
