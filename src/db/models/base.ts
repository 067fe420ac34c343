import { Model, snakeCaseMappers } from 'objection';

/** Columns are snake_case in SQL and camelCase in code. */
export class BaseModel extends Model {
  static override columnNameMappers = snakeCaseMappers();
}
