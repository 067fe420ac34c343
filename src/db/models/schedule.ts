import { Model } from 'objection';
import { BaseModel } from './base.js';
import { ThemeModel } from './theme.js';

export type ScheduleStatus = 'AVAILABLE' | 'HOLD' | 'RESERVED' | 'BLOCKED';

export class ScheduleModel extends BaseModel {
  static override tableName = 'schedules';
  id!: number;
  themeId!: number;
  date!: string;
  startTime!: string;
  startsAt!: Date;
  status!: ScheduleStatus;
  heldBy!: number | null;
  holdExpiresAt!: Date | null;
  version!: number;

  static override relationMappings = () => ({
    theme: { relation: Model.BelongsToOneRelation, modelClass: ThemeModel, join: { from: 'schedules.themeId', to: 'themes.id' } },
  });
}
