import type { Db } from '../knex.js';
import { ThemeModel } from '../models/index.js';

export interface Theme {
  id: number;
  storeId: number;
  name: string;
  description: string;
  price: number;
  durationMinutes: number;
  minPlayers: number;
  maxPlayers: number;
  difficulty: number;
}

export type ThemeInput = Omit<Theme, 'id'>;

const toTheme = (m: ThemeModel): Theme => ({
  id: m.id,
  storeId: m.storeId,
  name: m.name,
  description: m.description,
  price: m.price,
  durationMinutes: m.durationMinutes,
  minPlayers: m.minPlayers,
  maxPlayers: m.maxPlayers,
  difficulty: m.difficulty,
});

export async function listThemes(db: Db, storeId?: number): Promise<Theme[]> {
  const q = ThemeModel.query(db).orderBy('id');
  if (storeId !== undefined) q.where('store_id', storeId);
  return (await q).map(toTheme);
}

export async function findTheme(db: Db, id: number): Promise<Theme | null> {
  const m = await ThemeModel.query(db).findById(id);
  return m ? toTheme(m) : null;
}

export async function insertTheme(db: Db, input: ThemeInput): Promise<Theme> {
  return toTheme(await ThemeModel.query(db).insertAndFetch(input));
}

export async function updateTheme(db: Db, id: number, patch: Partial<ThemeInput>): Promise<Theme | null> {
  const m = await ThemeModel.query(db).patchAndFetchById(id, { ...patch, updatedAt: new Date() } as Partial<ThemeModel>);
  return m ? toTheme(m) : null;
}

export async function deleteTheme(db: Db, id: number): Promise<boolean> {
  return (await ThemeModel.query(db).deleteById(id)) > 0;
}

/** Themes ranked by reservations made (and not expired or canceled) since `since`. */
export async function popularThemes(db: Db, since: Date, limit: number): Promise<(Theme & { reservations: number })[]> {
  const { rows } = await db.raw<{ rows: { theme_id: number; n: number }[] }>(
    `SELECT s.theme_id, count(*)::int AS n
       FROM reservations r JOIN schedules s ON s.id = r.schedule_id
      WHERE r.created_at >= ? AND r.status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED')
      GROUP BY s.theme_id ORDER BY n DESC, s.theme_id LIMIT ?`,
    [since, limit],
  );
  if (rows.length === 0) return [];
  const themes = new Map((await ThemeModel.query(db).findByIds(rows.map((r) => r.theme_id))).map((m) => [m.id, toTheme(m)]));
  return rows.flatMap((r) => {
    const theme = themes.get(r.theme_id);
    return theme ? [{ ...theme, reservations: r.n }] : [];
  });
}
