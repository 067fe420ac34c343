import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { Model } from 'objection';
import { migrationSource } from './migrations/index.js';

// Dates and times stay strings (they are Seoul local values, not instants); bigint ids become numbers.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.TIME, (v) => v.slice(0, 5));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Db = Knex;

export interface DbOptions {
  url: string;
  poolMax: number;
  /** Give up on a statement after this long, so an outage answers fast instead of hanging. */
  statementTimeoutMs?: number;
}

export function createDb({ url, poolMax, statementTimeoutMs = 10_000 }: DbOptions): Db {
  const db = knexFactory({
    client: 'pg',
    connection: { connectionString: url, statement_timeout: statementTimeoutMs },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 5_000,
  });
  Model.knex(db);
  return db;
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

export async function migrateDown(db: Db): Promise<void> {
  await db.migrate.rollback({ migrationSource }, true);
}
