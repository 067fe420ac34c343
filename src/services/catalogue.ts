import type { Db } from '../db/knex.js';
import { findTheme, listThemes, popularThemes, type Theme } from '../db/repositories/themes.js';
import { listStores, type Store } from '../db/repositories/stores.js';
import type { ScheduleListings } from './listings.js';
import { TtlCache } from './ttl-cache.js';

/**
 * The public catalogue. Stores and themes change only through the admin routes, which clear
 * these caches; another process's admin changes show within `ttlMs`. Listings come from the
 * schedule listings, which the schedule actors keep current.
 */
export class Catalogue {
  private readonly storeLists: TtlCache<Store[]>;
  private readonly themeLists: TtlCache<Theme[]>;
  private readonly themes: TtlCache<Theme | null>;

  constructor(
    private readonly db: Db,
    private readonly listings: ScheduleListings,
    ttlMs = 1_000,
  ) {
    this.storeLists = new TtlCache(ttlMs, 1);
    this.themeLists = new TtlCache(ttlMs);
    this.themes = new TtlCache(ttlMs);
  }

  stores = (): Promise<Store[]> => this.storeLists.get('all', () => listStores(this.db));
  themeList = (storeId?: number): Promise<Theme[]> => this.themeLists.get(String(storeId ?? '*'), () => listThemes(this.db, storeId));
  theme = (id: number): Promise<Theme | null> => this.themes.get(String(id), () => findTheme(this.db, id));

  popular = (days: number, limit: number, now = new Date()) => popularThemes(this.db, new Date(now.getTime() - days * 86_400_000), limit);

  /** A theme's schedules on a Seoul date that have not started yet, as JSON text; null when the theme does not exist. */
  themeSchedulesJson = (themeId: number, date: string, now = Date.now()): Promise<string | null> => this.listings.json(themeId, date, now);

  /** After an admin change: the next reads go to the database. */
  changed(): void {
    this.storeLists.clear();
    this.themeLists.clear();
    this.themes.clear();
  }
}
