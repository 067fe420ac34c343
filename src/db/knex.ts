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
  /** The server gives up on a statement after this long (statement_timeout). */
  statementTimeoutMs?: number;
  /**
   * The client gives up waiting for a statement's answer after this long, even when the server
   * never answers (a stalled network, no RST), and drops the connection. By default a little
   * after `statementTimeoutMs`, so a reachable server cancels first.
   */
  queryTimeoutMs?: number;
  /** Give up on opening a connection after this long (an unreachable server). */
  connectTimeoutMs?: number;
  /** Give up on getting a connection from the pool after this long (unreachable server or saturated pool). */
  acquireTimeoutMs?: number;
  /** Where knex's own warnings go (by default it prints plain text to stdout, between our JSON lines). */
  log?: { warn(msg: string): void; error(msg: string): void; debug(msg: string): void };
}

/** Knex's own warning per failed connection: the outage watcher (db/outage.ts) reports an outage once instead. */
const OUTAGE_NOISE = /^(Acquire connection error|Connection Error):/;

export function createDb({ url, poolMax, statementTimeoutMs = 10_000, queryTimeoutMs = statementTimeoutMs + 250, connectTimeoutMs = 1_000, acquireTimeoutMs = 1_000, log }: DbOptions): Db {
  const db = knexFactory({
    client: 'pg',
    // keepAlive lets the OS notice a peer that vanished without closing the socket.
    connection: { connectionString: url, statement_timeout: statementTimeoutMs, query_timeout: queryTimeoutMs, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true },
    pool: { min: 0, max: poolMax, afterCreate: dropOnReadTimeout },
    acquireConnectionTimeout: acquireTimeoutMs,
    ...(log && {
      log: {
        warn: (m: unknown) => (OUTAGE_NOISE.test(String(m)) ? log.debug(String(m)) : log.warn(String(m))),
        error: (m: unknown) => log.error(String(m)),
        debug: (m: unknown) => log.debug(String(m)),
        deprecate: (m: unknown) => log.warn(String(m)),
      },
    }),
  });
  Model.knex(db);
  return db;
}

/** What pg's Client is, as far as a timed-out query's clean-up needs it. */
interface PgConnection {
  query(config: unknown, callback?: unknown): unknown;
  connection: { stream: { destroy(): void } };
}

/**
 * pg answers a query that passed `query_timeout` with an error but leaves it running on the
 * connection, which would then sit in the pool blocking every later statement behind it. Knex
 * runs queries with a callback; on a read timeout the socket is destroyed, so knex disposes of
 * the connection and the pool opens a fresh one.
 */
function dropOnReadTimeout(conn: PgConnection, done: (err: Error | null, conn: PgConnection) => void): void {
  const query = conn.query.bind(conn);
  conn.query = (config, callback) => {
    if (typeof callback !== 'function') return query(config, callback);
    return query(config, (err: Error | null, res: unknown) => {
      if (err?.message === 'Query read timeout') conn.connection.stream.destroy();
      (callback as (err: Error | null, res: unknown) => void)(err, res);
    });
  };
  done(null, conn);
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

export async function migrateDown(db: Db): Promise<void> {
  await db.migrate.rollback({ migrationSource }, true);
}
