import { BaseModel } from './base.js';

export type Role = 'USER' | 'ADMIN';

export class UserModel extends BaseModel {
  static override tableName = 'users';
  id!: number;
  email!: string;
  passwordHash!: string;
  name!: string;
  role!: Role;
  createdAt!: Date;

  static override jsonSchema = {
    type: 'object',
    required: ['email', 'passwordHash', 'name', 'role'],
    properties: {
      email: { type: 'string', maxLength: 254 },
      passwordHash: { type: 'string', maxLength: 200 },
      name: { type: 'string', maxLength: 100 },
      role: { type: 'string', enum: ['USER', 'ADMIN'] },
    },
  };
}
