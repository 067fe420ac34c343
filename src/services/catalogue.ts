import type { Db } from '../db/knex.js';
import type { ScheduleListing } from '../db/repositories/schedules.js';
import type { ScheduleListings } from './listings.js';
import { findTheme, listThemes, popularThemes, type Theme } from '../db/repositories/themes.js';
import { listStores, type Store } from '../db/repositories/stores.js';

export const stores = (db: Db): Promise<Store[]> => listStores(db);
export const themes = (db: Db, storeId?: number): Promise<Theme[]> => listThemes(db, storeId);
export const theme = (db: Db, id: number): Promise<Theme | null> => findTheme(db, id);

export const popular = (db: Db, days: number, limit: number, now = new Date()) =>
  popularThemes(db, new Date(now.getTime() - days * 86_400_000), limit);

/** A theme's schedules on a Seoul date that have not started yet; null when the theme does not exist. */
export const themeSchedules = (listings: ScheduleListings, themeId: number, date: string, now = new Date()): Promise<ScheduleListing[] | null> =>
  listings.list(themeId, date, now);
