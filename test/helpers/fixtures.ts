import { randomBytes, scrypt } from 'node:crypto';
import type { Db } from '../../src/db/knex.js';
import { hashPassword } from '../../src/services/password.js';
import { kstDate, kstInstant, addDays } from '../../src/time/kst.js';

let counter = 0;
const unique = () => `${process.pid}-${Date.now().toString(36)}-${(counter += 1)}`;

export async function makeStore(db: Db): Promise<number> {
  const [row] = await db('stores')
    .insert({ name: `Store ${unique()}`, address: 'Seoul' })
    .returning('id');
  return row.id;
}

export async function makeTheme(db: Db, overrides: Partial<{ price: number; minPlayers: number; maxPlayers: number }> = {}): Promise<number> {
  const storeId = await makeStore(db);
  const [row] = await db('themes')
    .insert({
      store_id: storeId,
      name: `Theme ${unique()}`,
      price: overrides.price ?? 25000,
      duration_minutes: 60,
      min_players: overrides.minPlayers ?? 2,
      max_players: overrides.maxPlayers ?? 6,
      difficulty: 3,
    })
    .returning('id');
  return row.id;
}

/** A schedule on `date` (Seoul) at `startTime`, by default tomorrow at a unique minute. */
export async function makeSchedule(db: Db, opts: { themeId?: number; date?: string; startTime?: string } = {}): Promise<number> {
  const themeId = opts.themeId ?? (await makeTheme(db));
  const date = opts.date ?? addDays(kstDate(new Date()), 1);
  const startTime = opts.startTime ?? `${String(10 + (counter % 12)).padStart(2, '0')}:${String(counter % 60).padStart(2, '0')}`;
  counter += 1;
  const [row] = await db('schedules')
    .insert({ theme_id: themeId, date, start_time: startTime, starts_at: kstInstant(date, startTime) })
    .returning('id');
  return row.id;
}

/** Many schedules of one theme in one statement (tomorrow onwards, one a minute). */
export async function makeSchedules(db: Db, count: number): Promise<number[]> {
  const themeId = await makeTheme(db);
  const base = addDays(kstDate(new Date()), 1);
  const rows = Array.from({ length: count }, (_, i) => {
    const date = addDays(base, Math.floor(i / 1440));
    const minute = i % 1440;
    const startTime = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    return { theme_id: themeId, date, start_time: startTime, starts_at: kstInstant(date, startTime) };
  });
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 1000)
    ids.push(
      ...(
        await db('schedules')
          .insert(rows.slice(i, i + 1000))
          .returning('id')
      ).map((r: { id: number }) => r.id),
    );
  return ids;
}

let cachedHash: Promise<string> | undefined;

/** Users sharing one password hash (hashing is deliberately slow); returns their ids. */
export async function makeUsers(db: Db, count: number, role: 'USER' | 'ADMIN' = 'USER'): Promise<number[]> {
  cachedHash ??= hashPassword('password-1234');
  const hash = await cachedHash;
  const tag = unique();
  const rows = Array.from({ length: count }, (_, i) => ({ email: `u${i}-${tag}@test.local`, name: `User ${i}`, password_hash: hash, role }));
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 1000)
    ids.push(
      ...(
        await db('users')
          .insert(rows.slice(i, i + 1000))
          .returning('id')
      ).map((r: { id: number }) => r.id),
    );
  return ids;
}

export const TEST_PASSWORD = 'password-1234';

/**
 * Users whose stored hash uses scrypt with N=1024 instead of the service's N=16384: the stored
 * format carries its parameters, so logins go through the real check, only about 16 times cheaper.
 * All share TEST_PASSWORD; `tag` starts their emails.
 */
export async function cheapUsers(db: Db, count: number, tag: string): Promise<{ id: number; email: string }[]> {
  const salt = randomBytes(16);
  const key = await new Promise<Buffer>((resolve, reject) => scrypt(TEST_PASSWORD, salt, 32, { N: 1024, r: 8, p: 1 }, (err, k) => (err ? reject(err) : resolve(k))));
  const hash = ['scrypt', 1024, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
  const run = randomBytes(4).toString('hex');
  return db('users')
    .insert(Array.from({ length: count }, (_, i) => ({ email: `${tag}${i}-${run}@test.local`, name: `User ${i}`, password_hash: hash, role: 'USER' })))
    .returning(['id', 'email']);
}
