import { BaseModel } from './base.js';

export class PaymentAttemptModel extends BaseModel {
  static override tableName = 'payment_attempts';
  id!: number;
  reservationId!: number;
  orderId!: string;
  paymentKey!: string;
  amount!: number;
  success!: boolean;
  code!: string | null;
  message!: string | null;
  createdAt!: Date;
}
