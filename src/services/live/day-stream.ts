import type { Db } from '../../db/knex.js';
import { listThemeDay } from '../../db/repositories/schedules.js';
import { findTheme } from '../../db/repositories/themes.js';
import { frame, type ScheduleChange } from './change.js';
import type { LiveHub } from './hub.js';
import type { EventStream } from './stream.js';

/** What a reconnecting client is told to wait before trying again. */
const RETRY = 'retry: 2000\n\n';

export type DayOpen = { ok: true } | { ok: false; code: 'THEME_NOT_FOUND' };

/**
 * Opens `stream` on a theme-day: joins the topic first (so nothing committed meanwhile is lost),
 * then either the events after `lastEventId` when the topic still has them, or a snapshot read
 * from the database (the GET /themes/:id/schedules body, with what this instance heard since
 * laid over it) followed by the changes queued while it was read that it does not cover yet.
 * `begin` sends the headers; it is not called when the theme does not exist.
 */
export async function openDayStream(
  db: Db,
  hub: LiveHub,
  stream: EventStream<ScheduleChange>,
  q: { themeId: number; date: string; lastEventId: string | undefined; now?: number },
  begin: () => void,
): Promise<DayOpen> {
  const existing = hub.existingDay(q.themeId, q.date);
  const missed = q.lastEventId && existing ? existing.since(q.lastEventId) : null;
  const topic = hub.day(q.themeId, q.date, stream);
  if (missed) {
    begin();
    stream.open(RETRY + missed.join(''));
    return { ok: true };
  }
  const [theme, rows] = await Promise.all([findTheme(db, q.themeId), listThemeDay(db, q.themeId, q.date)]);
  if (!theme) {
    stream.end('closed');
    hub.forget(q.themeId, q.date);
    return { ok: false, code: 'THEME_NOT_FOUND' };
  }
  const now = q.now ?? Date.now();
  const versions = new Map<number, number>();
  const listing = rows
    .filter((r) => r.startsAt.getTime() >= now)
    .map(({ startsAt: _, version, ...row }) => {
      const heard = topic.seen.get(row.id);
      const newer = heard && heard.version > version;
      versions.set(row.id, newer ? heard.version : version);
      return newer ? { ...row, status: heard.status } : row;
    });
  begin();
  stream.open(RETRY + frame('snapshot', JSON.stringify(listing), topic.lastId()), (c) => c.version > (versions.get(c.id) ?? 0));
  return { ok: true };
}
