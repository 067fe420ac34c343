import { BoundedMap } from '../cache/bounded-map.js';
import { RefreshAhead, type RefreshPolicy } from '../cache/refresh-ahead.js';
import type { Db } from '../db/knex.js';
import type { ScheduleRow } from '../actors/schedule/model.js';
import { listThemeDay, type DayListing } from '../db/repositories/schedules.js';
import { findTheme } from '../db/repositories/themes.js';

interface Day {
  /** null: the theme does not exist. In start order. */
  rows: DayListing[] | null;
  /** The answer as sent, kept until a row changes or the next schedule starts (and drops out). */
  answer?: { json: string; until: number };
}

/**
 * The booking page's listings (a theme's schedules on a Seoul date) served from memory, as the
 * JSON text the route sends. This process's schedule actors keep the statuses current as they
 * commit (`apply`); each day is a refresh-ahead cell re-read from the database, so another
 * process's changes show within `ttlMs` and a busy day never makes requests wait for the database.
 */
export class ScheduleListings {
  private readonly days: BoundedMap<string, RefreshAhead<Day>>;
  private readonly policy: RefreshPolicy<Day>;

  constructor(
    private readonly db: Db,
    ttlMs = 1_000,
    maxDays = 5_000,
  ) {
    this.days = new BoundedMap(maxDays);
    this.policy = { ttlMs, merge: keepNewer };
  }

  /** The day's schedules that have not started by `now`, as JSON; null when the theme does not exist. */
  async json(themeId: number, date: string, now = Date.now()): Promise<string | null> {
    const day = await this.day(themeId, date);
    if (!day.rows) return null;
    if (day.answer && now <= day.answer.until) return day.answer.json;
    const upcoming = day.rows.filter((r) => r.startsAt.getTime() >= now);
    const json = JSON.stringify(upcoming.map(({ startsAt: _, version: __, ...listing }) => listing));
    day.answer = { json, until: upcoming[0]?.startsAt.getTime() ?? Number.POSITIVE_INFINITY };
    return json;
  }

  /**
   * A schedule actor committed this row: the listing shows its new status at once. This is where
   * a committed schedule change reaches the listings (wired in compose.ts from the actors' `onCommitted`).
   */
  apply(schedule: ScheduleRow): void {
    const day = this.days.get(keyOf(schedule.themeId, schedule.date))?.peek();
    const row = day?.rows?.find((r) => r.id === schedule.id);
    if (!day || !row || row.version >= schedule.version) return;
    row.status = schedule.status;
    row.version = schedule.version;
    day.answer = undefined;
  }

  private day(themeId: number, date: string): Day | Promise<Day> {
    const key = keyOf(themeId, date);
    let cell = this.days.get(key);
    if (!cell) this.days.set(key, (cell = new RefreshAhead(this.policy, () => this.load(themeId, date))));
    return cell.get();
  }

  private async load(themeId: number, date: string): Promise<Day> {
    const [theme, rows] = await Promise.all([findTheme(this.db, themeId), listThemeDay(this.db, themeId, date)]);
    return { rows: theme ? rows : null };
  }
}

/**
 * A fresh read replaces the day, but a row an actor committed while the read was under way keeps
 * the newer version (the read may have started before that commit).
 */
function keepNewer(before: Day, day: Day): Day {
  if (before.rows && day.rows) {
    const newer = new Map(before.rows.map((r) => [r.id, r]));
    for (const row of day.rows) {
      const known = newer.get(row.id);
      if (known && known.version > row.version) Object.assign(row, { status: known.status, version: known.version });
    }
  }
  return day;
}

const keyOf = (themeId: number, date: string) => `${themeId}:${date}`;
