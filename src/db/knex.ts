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
  /** Give up on opening a connection after this long (an unreachable server). */
  connectTimeoutMs?: number;
  /** Give up on getting a connection from the pool after this long (unreachable server or saturated pool). */
  acquireTimeoutMs?: number;
  /** Where knex's own warnings go (by default it prints plain text to stdout, between our JSON lines). */
  log?: { warn(msg: string): void; error(msg: string): void; debug(msg: string): void };
}

export function createDb({ url, poolMax, statementTimeoutMs = 10_000, connectTimeoutMs = 1_000, acquireTimeoutMs = 1_000, log }: DbOptions): Db {
  const db = knexFactory({
    client: 'pg',
    // keepAlive lets the OS notice a peer that vanished without closing the socket.
    connection: { connectionString: url, statement_timeout: statementTimeoutMs, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: acquireTimeoutMs,
    ...(log && { log: { warn: (m: unknown) => log.warn(String(m)), error: (m: unknown) => log.error(String(m)), debug: (m: unknown) => log.debug(String(m)), deprecate: (m: unknown) => log.warn(String(m)) } }),
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
