import { BaseModel } from './base.js';

export class PaymentModel extends BaseModel {
  static override tableName = 'payments';
  id!: number;
  reservationId!: number;
  paymentKey!: string;
  orderId!: string;
  amount!: number;
  status!: string;
  method!: string | null;
  approvedAt!: Date | null;
  refundedAmount!: number;
  refundedAt!: Date | null;
  gatewayResponse!: unknown;
}
