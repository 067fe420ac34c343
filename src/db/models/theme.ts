import { Model } from 'objection';
import { BaseModel } from './base.js';
import { StoreModel } from './store.js';

export class ThemeModel extends BaseModel {
  static override tableName = 'themes';
  id!: number;
  storeId!: number;
  name!: string;
  description!: string;
  price!: number;
  durationMinutes!: number;
  minPlayers!: number;
  maxPlayers!: number;
  difficulty!: number;
  createdAt!: Date;
  updatedAt!: Date;

  static override jsonSchema = {
    type: 'object',
    required: ['storeId', 'name', 'price', 'durationMinutes', 'minPlayers', 'maxPlayers', 'difficulty'],
    properties: {
      storeId: { type: 'integer' },
      name: { type: 'string', minLength: 1, maxLength: 100 },
      description: { type: 'string', maxLength: 2000 },
      price: { type: 'integer', minimum: 1 },
      durationMinutes: { type: 'integer', minimum: 1 },
      minPlayers: { type: 'integer', minimum: 1 },
      maxPlayers: { type: 'integer', minimum: 1 },
      difficulty: { type: 'integer', minimum: 1, maximum: 5 },
    },
  };

  static override relationMappings = () => ({
    store: { relation: Model.BelongsToOneRelation, modelClass: StoreModel, join: { from: 'themes.storeId', to: 'stores.id' } },
  });
}
