import { BaseModel } from './base.js';

export class LoginHistoryModel extends BaseModel {
  static override tableName = 'login_history';
  id!: number;
  userId!: number | null;
  email!: string;
  success!: boolean;
  ip!: string | null;
  userAgent!: string | null;
  createdAt!: Date;
}
