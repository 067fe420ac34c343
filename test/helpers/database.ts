import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the machine's PostgreSQL, one per test file, dropped at the end. */
export async function createTestDatabase(poolMax = 20): Promise<TestDatabase> {
  const name = `roomescape_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  // Many files run in parallel here and connecting can take over a second; the service keeps its fail-fast defaults.
  const db = createDb({ url, poolMax, connectTimeoutMs: 5_000, acquireTimeoutMs: 10_000 });
  await migrateLatest(db);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      const cleanup = knexFactory({ client: 'pg', connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });
      await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.destroy();
    },
  };
}
