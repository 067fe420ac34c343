import type { Db } from '../db/knex.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { listLoginHistory } from '../db/repositories/login-history.js';
import { listReservationsForAdmin } from '../db/repositories/reservations.js';
import { insertSchedules, listThemeStarts, lockThemeTimetable, type NewSchedule } from '../db/repositories/schedules.js';
import { deleteStore, findStore, insertStore, updateStore, type StoreInput } from '../db/repositories/stores.js';
import { deleteTheme, findTheme, insertTheme, updateTheme, type ThemeInput } from '../db/repositories/themes.js';
import type { ReservationStatus } from '../actors/schedule/model.js';
import { addDays, kstDate, kstInstant } from '../time/kst.js';
import { firstOverlap, slotName, type Slot } from './timetable.js';

export type AdminRejection = 'STORE_NOT_FOUND' | 'THEME_NOT_FOUND' | 'NAME_TAKEN' | 'IN_USE' | 'INVALID_PLAYERS' | 'START_IN_PAST' | 'SCHEDULES_OVERLAP' | 'SCHEDULE_OVERLAP';
/** A rejection may say more than its code's usual message, naming the field and the values at fault. */
export type AdminResult<T> = { ok: true; value: T } | { ok: false; code: AdminRejection; message?: string };

const ok = <T>(value: T): AdminResult<T> => ({ ok: true, value });
const no = <T>(code: AdminRejection, message?: string): AdminResult<T> => (message === undefined ? { ok: false, code } : { ok: false, code, message });

/** Runs a write; a duplicate name or a row still referenced becomes a rejection instead of an error. */
async function guardedResult<T>(write: () => Promise<AdminResult<T>>): Promise<AdminResult<T>> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) return no('NAME_TAKEN');
    if (isForeignKeyViolation(err)) return no('IN_USE');
    throw err;
  }
}

const guarded = <T>(write: () => Promise<T | null>, missing: AdminRejection): Promise<AdminResult<T>> =>
  guardedResult(async () => {
    const value = await write();
    return value === null ? no(missing) : ok(value);
  });

export const createStore = (db: Db, input: StoreInput) => guarded(() => insertStore(db, input), 'STORE_NOT_FOUND');
export const editStore = (db: Db, id: number, patch: Partial<StoreInput>) => guarded(() => updateStore(db, id, patch), 'STORE_NOT_FOUND');
export const removeStore = (db: Db, id: number) => guarded(async () => ((await deleteStore(db, id)) ? true : null), 'STORE_NOT_FOUND');

export async function createTheme(db: Db, input: ThemeInput) {
  if (!(await findStore(db, input.storeId))) return no('STORE_NOT_FOUND');
  return guarded(() => insertTheme(db, input), 'THEME_NOT_FOUND');
}

/**
 * Edits a theme. Lengthening it is refused (409 SCHEDULE_OVERLAP) when two of its schedules not yet
 * over would then overlap; checked and written under the theme's timetable lock.
 */
export async function editTheme(db: Db, id: number, patch: Partial<ThemeInput>, now = new Date()) {
  const current = await findTheme(db, id);
  if (!current) return no('THEME_NOT_FOUND');
  if ((patch.maxPlayers ?? current.maxPlayers) < (patch.minPlayers ?? current.minPlayers)) return no('INVALID_PLAYERS');
  const minutes = patch.durationMinutes;
  if (minutes === undefined || minutes <= current.durationMinutes) return guarded(() => updateTheme(db, id, patch), 'THEME_NOT_FOUND');
  return guardedResult(() =>
    db.transaction(async (trx) => {
      await lockThemeTimetable(trx, id);
      const running = await listThemeStarts(trx, id, new Date(now.getTime() - minutes * 60_000));
      const clash = firstOverlap(
        running.map((s) => ({ ...s, stored: false })),
        minutes,
      );
      if (clash) return no('SCHEDULE_OVERLAP', `durationMinutes: at ${minutes} minutes the schedules at ${slotName(clash[0])} and ${slotName(clash[1])} would overlap`);
      const theme = await updateTheme(trx, id, patch);
      return theme ? ok(theme) : no('THEME_NOT_FOUND');
    }),
  );
}

export const removeTheme = (db: Db, id: number) => guarded(async () => ((await deleteTheme(db, id)) ? true : null), 'THEME_NOT_FOUND');

/**
 * Creates a theme's schedules for every date in [from, to] at each start time; existing ones are
 * kept. All or nothing, and refused when any slot asked for has already started in Asia/Seoul
 * (400, naming `from` or `startTimes`), when two of them overlap given the theme's duration (400,
 * `startTimes`), or when one overlaps a schedule the theme already has (409 SCHEDULE_OVERLAP,
 * `startTimes`). Checked and written under the theme's timetable lock.
 */
export async function createSchedules(db: Db, input: { themeId: number; from: string; to: string; startTimes: string[] }, now = new Date()) {
  const today = kstDate(now);
  if (input.from < today) return no('START_IN_PAST', `from: ${input.from} is before today (${today}) in Asia/Seoul`);
  const schedules: NewSchedule[] = [];
  for (let date = input.from; date <= input.to; date = addDays(date, 1)) {
    for (const startTime of new Set(input.startTimes)) schedules.push({ themeId: input.themeId, date, startTime, startsAt: kstInstant(date, startTime) });
  }
  const started = schedules.find((s) => s.startsAt.getTime() <= now.getTime());
  if (started) return no('START_IN_PAST', `startTimes: ${slotName(started)} has already started in Asia/Seoul`);
  return db.transaction(async (trx) => {
    await lockThemeTimetable(trx, input.themeId);
    const theme = await findTheme(trx, input.themeId);
    if (!theme) return no('THEME_NOT_FOUND');
    const minutes = theme.durationMinutes;
    const asked: Slot[] = schedules.map((s) => ({ ...s, stored: false }));
    const within = firstOverlap(asked, minutes);
    if (within) return no('SCHEDULES_OVERLAP', `startTimes: ${slotName(within[0])} and ${slotName(within[1])} overlap: the theme runs ${minutes} minutes`);
    const times = schedules.map((s) => s.startsAt.getTime());
    const [first, last] = [Math.min(...times), Math.max(...times)];
    const stored = await listThemeStarts(trx, input.themeId, new Date(first - minutes * 60_000), new Date(last + minutes * 60_000));
    const kept = new Set(stored.map(slotName));
    const clash = firstOverlap([...stored.map((s) => ({ ...s, stored: true })), ...asked.filter((s) => !kept.has(slotName(s)))], minutes);
    if (clash) {
      const [mine, theirs] = clash[0].stored ? [clash[1], clash[0]] : [clash[0], clash[1]];
      return no('SCHEDULE_OVERLAP', `startTimes: ${slotName(mine)} would overlap the schedule at ${slotName(theirs)}: the theme runs ${minutes} minutes`);
    }
    const created = await insertSchedules(trx, schedules);
    return ok({ requested: schedules.length, created: created.length, schedules: created.map(({ id, themeId, date, startTime, status }) => ({ id, themeId, date, startTime, status })) });
  });
}

export const reservations = (db: Db, filter: { date?: string; status?: ReservationStatus }) => listReservationsForAdmin(db, filter);
export const loginHistory = (db: Db, filter: { userId?: number; limit: number }) => listLoginHistory(db, filter);
