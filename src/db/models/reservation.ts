import { Model } from 'objection';
import { BaseModel } from './base.js';
import { ScheduleModel } from './schedule.js';

export type ReservationStatus = 'PENDING' | 'PAYMENT_IN_PROGRESS' | 'CONFIRMED' | 'EXPIRED' | 'CANCELED';

export class ReservationModel extends BaseModel {
  static override tableName = 'reservations';
  id!: number;
  scheduleId!: number;
  userId!: number;
  status!: ReservationStatus;
  orderId!: string;
  amount!: number;
  participants!: number;
  expiresAt!: Date;
  cancelReason!: string | null;
  canceledAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;

  static override relationMappings = () => ({
    schedule: { relation: Model.BelongsToOneRelation, modelClass: ScheduleModel, join: { from: 'reservations.scheduleId', to: 'schedules.id' } },
  });
}
