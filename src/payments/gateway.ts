/** What the service needs of a card gateway, whatever the gateway is. */

export interface GatewayCancel {
  transactionKey: string;
  cancelAmount: number;
  canceledAt: string | null;
}

export interface GatewayPayment {
  paymentKey: string;
  orderId: string;
  /** DONE, CANCELED, PARTIAL_CANCELED, ABORTED, EXPIRED, … as Toss says. */
  status: string;
  method: string | null;
  totalAmount: number;
  balanceAmount: number;
  /** UTC ISO 8601 (`…Z`), whatever offset the gateway printed. */
  approvedAt: string | null;
  cancels: GatewayCancel[];
  failure: { code: string; message: string } | null;
  raw: Record<string, unknown>;
}

export interface GatewayTransaction {
  transactionKey: string;
  paymentKey: string;
  orderId: string;
  status: string;
  amount: number;
  transactionAt: string;
}

/**
 * `ok`: the gateway answered with a payment. `rejected`: it answered with an error (4xx), so the
 * operation definitely did not happen. `unknown`: no usable answer (timeout, connection error,
 * 5xx, 409 while the same request runs): the operation may or may not have happened.
 */
export type GatewayResult =
  { kind: 'ok'; payment: GatewayPayment } | { kind: 'rejected'; httpStatus: number; code: string; message: string } | { kind: 'unknown'; reason: string; code?: string; message?: string };

export type TransactionsResult = { kind: 'ok'; transactions: GatewayTransaction[] } | { kind: 'failed'; reason: string };

export interface PaymentGateway {
  confirm(input: { paymentKey: string; orderId: string; amount: number }, idempotencyKey: string): Promise<GatewayResult>;
  cancel(paymentKey: string, input: { reason: string; amount?: number }, idempotencyKey: string): Promise<GatewayResult>;
  findByOrderId(orderId: string): Promise<GatewayResult>;
  /** Approvals and cancels in [from, to), oldest first, at most `limit` after `startingAfter`. */
  transactions?(q: { from: Date; to: Date; startingAfter?: string; limit: number }): Promise<TransactionsResult>;
}
