import { BaseModel } from './base.js';

export class StoreModel extends BaseModel {
  static override tableName = 'stores';
  id!: number;
  name!: string;
  address!: string;
  phone!: string | null;
  createdAt!: Date;
  updatedAt!: Date;

  static override jsonSchema = {
    type: 'object',
    required: ['name', 'address'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      address: { type: 'string', minLength: 1, maxLength: 200 },
      phone: { type: ['string', 'null'], maxLength: 30 },
    },
  };
}
