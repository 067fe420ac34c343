import type { Db } from './knex.js';
import { hashPassword } from '../services/password.js';
import { addDays, kstDate, kstInstant } from '../time/kst.js';
import { insertSchedules, type NewSchedule } from './repositories/schedules.js';

export const DEMO_ACCOUNTS = {
  user: { email: 'user@roomescape.local', password: 'user-demo-1234', name: 'Demo User' },
  admin: { email: 'admin@roomescape.local', password: 'admin-demo-1234', name: 'Demo Admin' },
} as const;

const STORES = [
  { name: 'Gangnam Escape', address: '123 Teheran-ro, Gangnam-gu, Seoul', phone: '02-555-0101' },
  { name: 'Hongdae Puzzle House', address: '45 Wausan-ro, Mapo-gu, Seoul', phone: '02-555-0202' },
];

const THEMES = [
  { store: 0, name: 'The Lost Temple', description: 'Find the idol before the temple seals itself.', price: 25000, durationMinutes: 60, minPlayers: 2, maxPlayers: 5, difficulty: 3 },
  { store: 0, name: 'Midnight Express', description: 'A murder on the last train to Busan.', price: 28000, durationMinutes: 70, minPlayers: 2, maxPlayers: 6, difficulty: 4 },
  { store: 0, name: 'Hanok Mystery', description: 'A family secret hidden in a hundred-year-old house.', price: 22000, durationMinutes: 60, minPlayers: 2, maxPlayers: 4, difficulty: 2 },
  { store: 1, name: 'Lab 404', description: 'The experiment escaped. So must you.', price: 30000, durationMinutes: 75, minPlayers: 3, maxPlayers: 6, difficulty: 5 },
  { store: 1, name: 'Pirate Cove', description: 'Crack the captain’s code before the tide turns.', price: 24000, durationMinutes: 60, minPlayers: 2, maxPlayers: 5, difficulty: 2 },
  { store: 1, name: 'Bank Heist', description: 'Thirty minutes until the guards change shift.', price: 27000, durationMinutes: 60, minPlayers: 2, maxPlayers: 4, difficulty: 4 },
];

/** Every 90 minutes from 10:00 to 22:00, Seoul time. */
export const DEMO_START_TIMES = ['10:00', '11:30', '13:00', '14:30', '16:00', '17:30', '19:00', '20:30', '22:00'];
export const DEMO_DAYS = 14;

/**
 * Loads the demo data. Idempotent: rows that exist are left alone, and each run tops the
 * schedules up to the next 14 days, so a demo started weeks later still has slots to book.
 */
export async function seedDemoData(db: Db, now = new Date()): Promise<{ schedulesCreated: number }> {
  for (const account of [DEMO_ACCOUNTS.user, DEMO_ACCOUNTS.admin]) {
    const exists = await db('users').whereRaw('lower(email) = lower(?)', [account.email]).first('id');
    if (!exists) {
      await db('users')
        .insert({ email: account.email, name: account.name, password_hash: await hashPassword(account.password), role: account === DEMO_ACCOUNTS.admin ? 'ADMIN' : 'USER' })
        .onConflict(db.raw('(lower(email))'))
        .ignore();
    }
  }
  const storeIds: number[] = [];
  for (const store of STORES) {
    await db('stores').insert(store).onConflict('name').ignore();
    storeIds.push((await db('stores').where('name', store.name).first('id')).id);
  }
  const themeIds: number[] = [];
  for (const { store, ...theme } of THEMES) {
    const storeId = storeIds[store]!;
    await db('themes')
      .insert({
        store_id: storeId,
        name: theme.name,
        description: theme.description,
        price: theme.price,
        duration_minutes: theme.durationMinutes,
        min_players: theme.minPlayers,
        max_players: theme.maxPlayers,
        difficulty: theme.difficulty,
      })
      .onConflict(['store_id', 'name'])
      .ignore();
    themeIds.push((await db('themes').where({ store_id: storeId, name: theme.name }).first('id')).id);
  }
  const today = kstDate(now);
  const schedules: NewSchedule[] = [];
  for (const themeId of themeIds) {
    for (let day = 0; day < DEMO_DAYS; day += 1) {
      const date = addDays(today, day);
      for (const startTime of DEMO_START_TIMES) schedules.push({ themeId, date, startTime, startsAt: kstInstant(date, startTime) });
    }
  }
  const created = await insertSchedules(db, schedules);
  return { schedulesCreated: created.length };
}
