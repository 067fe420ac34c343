/** A throwaway database on the machine's PostgreSQL, filled fast with generate_series. */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { hashPassword } from '../../src/services/password.js';
import { addDays, kstDate } from '../../src/time/kst.js';

export const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

const admin = () => knexFactory({ client: 'pg', connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `roomescape_bench_${randomBytes(5).toString('hex')}`;
  const a = admin();
  await a.raw(`CREATE DATABASE ${name}`);
  await a.destroy();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const db = createDb({ url, poolMax: 4, statementTimeoutMs: 600_000 });
  await migrateLatest(db);
  let dropped = false;
  return {
    name,
    url,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.destroy().catch(() => undefined);
      const c = admin();
      await c.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.destroy();
    },
  };
}

export const BENCH_PASSWORD = 'bench-password-1234';

/** `count` users sharing one password hash (emails `<prefix>-<n>@bench.local`); returns their ids. */
export async function makeUsers(db: Db, count: number, prefix = 'bench'): Promise<number[]> {
  const hash = await hashPassword(BENCH_PASSWORD);
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `INSERT INTO users (email, password_hash, name, role)
     SELECT ? || '-' || g || '@bench.local', ?, 'Bench ' || g, 'USER' FROM generate_series(1, ?) g
     RETURNING id`,
    [prefix, hash, count],
  );
  return rows.map((r) => r.id);
}

let blocks = 0;

/**
 * `count` AVAILABLE schedules of a new theme, one a minute from tomorrow (Seoul) on, in one
 * statement; their ids are contiguous: firstId .. firstId + count - 1.
 */
export async function makeScheduleBlock(db: Db, count: number): Promise<{ firstId: number; count: number }> {
  blocks += 1;
  const tag = `${process.pid}-${blocks}-${randomBytes(3).toString('hex')}`;
  const [store] = await db('stores')
    .insert({ name: `Bench store ${tag}`, address: 'Seoul' })
    .returning('id');
  const [theme] = await db('themes')
    .insert({ store_id: store.id, name: `Bench theme ${tag}`, price: 25000, duration_minutes: 60, min_players: 2, max_players: 6, difficulty: 3 })
    .returning('id');
  const base = addDays(kstDate(new Date()), 1);
  const { rows } = await db.raw<{ rows: { first: number; last: number; n: number }[] }>(
    `WITH ins AS (
       INSERT INTO schedules (theme_id, date, start_time, starts_at)
       SELECT ?, d, t, (d + t) AT TIME ZONE 'Asia/Seoul'
         FROM (SELECT (?::date + (g / 1440)) AS d, make_time((g % 1440) / 60, g % 60, 0) AS t
                 FROM generate_series(0, ? - 1) g) x
       RETURNING id)
     SELECT min(id) AS first, max(id) AS last, count(*)::int AS n FROM ins`,
    [theme.id, base, count],
  );
  const r = rows[0]!;
  if (r.n !== count || r.last - r.first + 1 !== count) throw new Error(`schedule ids are not contiguous: ${JSON.stringify(r)}`);
  return { firstId: r.first, count };
}

/** Fresh statistics and a checkpoint, so no run pays for the previous run's writes. */
export async function settle(db: Db): Promise<void> {
  await db.raw('ANALYZE schedules');
  await db.raw('CHECKPOINT');
}

export interface HoldCheck {
  /** Schedules in the block that ended up HOLD. */
  held: number;
  /** Successful writes per schedule (each hold bumps version once; HOLD_TTL is long, so nothing expires). */
  winnersPerSchedule: number[];
  /** Distinct users holding the block's schedules. */
  distinctHolders: number;
  /** Rows whose version moved more than once: a second winner overwrote the first. */
  overwritten: number;
}

export async function checkHolds(db: Db, block: { firstId: number; count: number }, upTo = block.count): Promise<HoldCheck> {
  const last = block.firstId + Math.min(upTo, block.count) - 1;
  const { rows } = await db.raw<{ rows: { held: number; holders: number; overwritten: number; versions: number[] | null }[] }>(
    `SELECT count(*) FILTER (WHERE status = 'HOLD' AND held_by IS NOT NULL)::int AS held,
            count(DISTINCT held_by)::int AS holders,
            count(*) FILTER (WHERE version > 1)::int AS overwritten,
            CASE WHEN count(*) <= 100 THEN array_agg(version ORDER BY id) END AS versions
       FROM schedules WHERE id BETWEEN ? AND ?`,
    [block.firstId, last],
  );
  const r = rows[0]!;
  return { held: r.held, winnersPerSchedule: r.versions ?? [], distinctHolders: r.holders, overwritten: r.overwritten };
}
