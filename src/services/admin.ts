import type { Db } from '../db/knex.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { listLoginHistory } from '../db/repositories/login-history.js';
import { listReservationsForAdmin } from '../db/repositories/reservations.js';
import { insertSchedules, type NewSchedule } from '../db/repositories/schedules.js';
import { deleteStore, findStore, insertStore, updateStore, type StoreInput } from '../db/repositories/stores.js';
import { deleteTheme, findTheme, insertTheme, updateTheme, type ThemeInput } from '../db/repositories/themes.js';
import type { ReservationStatus } from '../db/models/index.js';
import { addDays, kstInstant } from '../time/kst.js';

export type AdminRejection = 'STORE_NOT_FOUND' | 'THEME_NOT_FOUND' | 'NAME_TAKEN' | 'IN_USE' | 'INVALID_PLAYERS';
export type AdminResult<T> = { ok: true; value: T } | { ok: false; code: AdminRejection };

const ok = <T>(value: T): AdminResult<T> => ({ ok: true, value });
const no = <T>(code: AdminRejection): AdminResult<T> => ({ ok: false, code });

/** Runs a write; a duplicate name or a row still referenced becomes a rejection instead of an error. */
async function guarded<T>(write: () => Promise<T | null>, missing: AdminRejection): Promise<AdminResult<T>> {
  try {
    const value = await write();
    return value === null ? no(missing) : ok(value);
  } catch (err) {
    if (isUniqueViolation(err)) return no('NAME_TAKEN');
    if (isForeignKeyViolation(err)) return no('IN_USE');
    throw err;
  }
}

export const createStore = (db: Db, input: StoreInput) => guarded(() => insertStore(db, input), 'STORE_NOT_FOUND');
export const editStore = (db: Db, id: number, patch: Partial<StoreInput>) => guarded(() => updateStore(db, id, patch), 'STORE_NOT_FOUND');
export const removeStore = (db: Db, id: number) => guarded(async () => ((await deleteStore(db, id)) ? true : null), 'STORE_NOT_FOUND');

export async function createTheme(db: Db, input: ThemeInput) {
  if (!(await findStore(db, input.storeId))) return no('STORE_NOT_FOUND');
  return guarded(() => insertTheme(db, input), 'THEME_NOT_FOUND');
}

export async function editTheme(db: Db, id: number, patch: Partial<ThemeInput>) {
  const current = await findTheme(db, id);
  if (!current) return no('THEME_NOT_FOUND');
  if ((patch.maxPlayers ?? current.maxPlayers) < (patch.minPlayers ?? current.minPlayers)) return no('INVALID_PLAYERS');
  return guarded(() => updateTheme(db, id, patch), 'THEME_NOT_FOUND');
}

export const removeTheme = (db: Db, id: number) => guarded(async () => ((await deleteTheme(db, id)) ? true : null), 'THEME_NOT_FOUND');

/** Creates a theme's schedules for every date in [from, to] at each start time; existing ones are kept. */
export async function createSchedules(db: Db, input: { themeId: number; from: string; to: string; startTimes: string[] }) {
  if (!(await findTheme(db, input.themeId))) return no('THEME_NOT_FOUND');
  const schedules: NewSchedule[] = [];
  for (let date = input.from; date <= input.to; date = addDays(date, 1)) {
    for (const startTime of new Set(input.startTimes)) schedules.push({ themeId: input.themeId, date, startTime, startsAt: kstInstant(date, startTime) });
  }
  const created = await insertSchedules(db, schedules);
  return ok({ requested: schedules.length, created: created.length, schedules: created.map(({ id, themeId, date, startTime, status }) => ({ id, themeId, date, startTime, status })) });
}

export const reservations = (db: Db, filter: { date?: string; status?: ReservationStatus }) => listReservationsForAdmin(db, filter);
export const loginHistory = (db: Db, filter: { userId?: number; limit: number }) => listLoginHistory(db, filter);
