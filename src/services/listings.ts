import type { Db } from '../db/knex.js';
import type { ScheduleRow } from '../db/repositories/schedule-aggregate.js';
import { listThemeDay, type DayListing, type ScheduleListing } from '../db/repositories/schedules.js';
import { findTheme } from '../db/repositories/themes.js';

interface Day {
  loadedAt: number;
  /** null: the theme does not exist. */
  rows: DayListing[] | null;
}

/**
 * The booking page's listings (a theme's schedules on a Seoul date) served from memory. Each day is
 * read at most once per `ttlMs` (one read for any number of concurrent requests), and in between
 * this process's schedule actors keep the statuses current as they commit; the TTL bounds how long
 * another process's changes take to show.
 */
export class ScheduleListings {
  private readonly days = new Map<string, Day>();
  private readonly loading = new Map<string, Promise<Day>>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1_000,
    private readonly maxDays = 5_000,
  ) {}

  /** The day's schedules that have not started by `now`; null when the theme does not exist. */
  async list(themeId: number, date: string, now = new Date()): Promise<ScheduleListing[] | null> {
    const day = await this.day(themeId, date);
    if (!day.rows) return null;
    return day.rows.filter((r) => r.startsAt >= now).map(({ startsAt: _, ...listing }) => listing);
  }

  /** A schedule actor committed this row: the listing shows its new status at once. */
  apply(schedule: ScheduleRow): void {
    const row = this.days.get(keyOf(schedule.themeId, schedule.date))?.rows?.find((r) => r.id === schedule.id);
    if (row) row.status = schedule.status;
  }

  private async day(themeId: number, date: string): Promise<Day> {
    const key = keyOf(themeId, date);
    const cached = this.days.get(key);
    if (cached && Date.now() - cached.loadedAt < this.ttlMs) return cached;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const load = this.load(themeId, date).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    const day = await load;
    this.days.delete(key);
    if (this.days.size >= this.maxDays) this.days.delete(this.days.keys().next().value!);
    this.days.set(key, day);
    return day;
  }

  private async load(themeId: number, date: string): Promise<Day> {
    const loadedAt = Date.now();
    const [theme, rows] = await Promise.all([findTheme(this.db, themeId), listThemeDay(this.db, themeId, date)]);
    return { loadedAt, rows: theme ? rows : null };
  }
}

const keyOf = (themeId: number, date: string) => `${themeId}:${date}`;
