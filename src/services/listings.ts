import type { Db } from '../db/knex.js';
import type { ScheduleRow } from '../db/repositories/schedule-aggregate.js';
import { listThemeDay, type DayListing } from '../db/repositories/schedules.js';
import { findTheme } from '../db/repositories/themes.js';

interface Day {
  loadedAt: number;
  /** null: the theme does not exist. In start order. */
  rows: DayListing[] | null;
  /** The answer as sent, kept until a row changes or the next schedule starts (and drops out). */
  answer?: { json: string; until: number };
}

/**
 * The booking page's listings (a theme's schedules on a Seoul date) served from memory, as the
 * JSON text the route sends. This process's schedule actors keep the statuses current as they
 * commit; each day is re-read from the database so another process's changes show within
 * `ttlMs`. A day asked for past half its TTL is re-read in the background while it keeps
 * answering, so a busy day never makes requests wait for the database; one idle past its TTL
 * is read before answering. One read at a time per day, however many requests ask.
 */
export class ScheduleListings {
  private readonly days = new Map<string, Day>();
  private readonly loading = new Map<string, Promise<Day>>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1_000,
    private readonly maxDays = 5_000,
  ) {}

  /** The day's schedules that have not started by `now`, as JSON; null when the theme does not exist. */
  async json(themeId: number, date: string, now = Date.now()): Promise<string | null> {
    const day = await this.day(themeId, date, now);
    if (!day.rows) return null;
    if (day.answer && now <= day.answer.until) return day.answer.json;
    const upcoming = day.rows.filter((r) => r.startsAt.getTime() >= now);
    const json = JSON.stringify(upcoming.map(({ startsAt: _, version: __, ...listing }) => listing));
    day.answer = { json, until: upcoming[0]?.startsAt.getTime() ?? Number.POSITIVE_INFINITY };
    return json;
  }

  /** A schedule actor committed this row: the listing shows its new status at once. */
  apply(schedule: ScheduleRow): void {
    const day = this.days.get(keyOf(schedule.themeId, schedule.date));
    const row = day?.rows?.find((r) => r.id === schedule.id);
    if (!day || !row || row.version >= schedule.version) return;
    row.status = schedule.status;
    row.version = schedule.version;
    day.answer = undefined;
  }

  private async day(themeId: number, date: string, now: number): Promise<Day> {
    const key = keyOf(themeId, date);
    const cached = this.days.get(key);
    const age = cached ? now - cached.loadedAt : Number.POSITIVE_INFINITY;
    if (cached && age < this.ttlMs) {
      if (age >= this.ttlMs / 2) this.reload(themeId, date, key).catch(() => undefined);
      return cached;
    }
    return this.reload(themeId, date, key);
  }

  private reload(themeId: number, date: string, key: string): Promise<Day> {
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const load = this.load(themeId, date)
      .then((day) => {
        this.keep(key, day);
        return day;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  private async load(themeId: number, date: string): Promise<Day> {
    const loadedAt = Date.now();
    const [theme, rows] = await Promise.all([findTheme(this.db, themeId), listThemeDay(this.db, themeId, date)]);
    return { loadedAt, rows: theme ? rows : null };
  }

  /**
   * Replaces the day with a fresh read; a row an actor committed while the read was under way
   * keeps the newer version (the read may have started before that commit).
   */
  private keep(key: string, day: Day): void {
    const before = this.days.get(key)?.rows;
    if (before && day.rows) {
      const newer = new Map(before.map((r) => [r.id, r]));
      for (const row of day.rows) {
        const known = newer.get(row.id);
        if (known && known.version > row.version) Object.assign(row, { status: known.status, version: known.version });
      }
    }
    this.days.delete(key);
    if (this.days.size >= this.maxDays) this.days.delete(this.days.keys().next().value!);
    this.days.set(key, day);
  }
}

const keyOf = (themeId: number, date: string) => `${themeId}:${date}`;
