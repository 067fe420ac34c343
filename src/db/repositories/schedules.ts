import type { Db } from '../knex.js';
import type { ScheduleRow, ScheduleStatus } from '../../actors/schedule/model.js';
import { toSchedule } from './schedule-aggregate.js';

export interface ScheduleListing {
  id: number;
  themeId: number;
  date: string;
  startTime: string;
  status: ScheduleStatus;
}

export interface DayListing extends ScheduleListing {
  startsAt: Date;
  version: number;
}

/** All of a theme's schedules on one Seoul date, in start order, with the instant each starts and the row's version. */
export async function listThemeDay(db: Db, themeId: number, date: string): Promise<DayListing[]> {
  const rows = await db('schedules').select('id', 'theme_id', 'date', 'start_time', 'status', 'starts_at', 'version').where({ theme_id: themeId, date }).orderBy('starts_at');
  return rows.map((r) => ({ id: r.id, themeId: r.theme_id, date: r.date, startTime: r.start_time, status: r.status, startsAt: r.starts_at, version: r.version }));
}

export interface NewSchedule {
  themeId: number;
  date: string;
  startTime: string;
  startsAt: Date;
}

/** Inserts the schedules that do not exist yet; returns the ones created. */
export async function insertSchedules(db: Db, schedules: NewSchedule[]): Promise<ScheduleRow[]> {
  if (schedules.length === 0) return [];
  // All or nothing: a failure half-way leaves no partial range behind.
  return db.transaction(async (trx) => {
    const created: ScheduleRow[] = [];
    for (let i = 0; i < schedules.length; i += 1000) {
      const chunk = schedules.slice(i, i + 1000).map((s) => ({ theme_id: s.themeId, date: s.date, start_time: s.startTime, starts_at: s.startsAt }));
      const rows = await trx('schedules').insert(chunk).onConflict(['theme_id', 'date', 'start_time']).ignore().returning('*');
      created.push(...rows.map(toSchedule));
    }
    return created;
  });
}

export interface ScheduleStart {
  date: string;
  startTime: string;
  startsAt: Date;
}

/** When each of a theme's schedules starts, for those starting in [from, to] (any status: a blocked slot still has the room). */
export async function listThemeStarts(db: Db, themeId: number, from: Date, to?: Date): Promise<ScheduleStart[]> {
  const q = db('schedules').select('date', 'start_time', 'starts_at').where('theme_id', themeId).andWhere('starts_at', '>=', from).orderBy('starts_at');
  if (to) q.andWhere('starts_at', '<=', to);
  return (await q).map((r) => ({ date: r.date, startTime: r.start_time, startsAt: r.starts_at }));
}

/** A key space of our own for PostgreSQL advisory locks: the second key is a theme id. */
const THEME_TIMETABLE_LOCK = 0x7474;

/**
 * Serializes, until the transaction ends, the admin writes that change a theme's timetable
 * (adding schedules, lengthening the theme), so two of them cannot each check for overlaps, pass,
 * and together create one. Bookings never take it.
 */
export async function lockThemeTimetable(trx: Db, themeId: number): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [THEME_TIMETABLE_LOCK, themeId]);
}
