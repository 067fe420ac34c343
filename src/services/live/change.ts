import type { ScheduleRow, ScheduleStatus } from '../../actors/schedule/model.js';

/** A schedule as a commit left it: what streams tell and what travels between instances. */
export interface ScheduleChange {
  id: number;
  themeId: number;
  date: string;
  status: ScheduleStatus;
  /** Epoch ms, or null when nobody holds the schedule. */
  holdExpiresAt: number | null;
  heldBy: number | null;
  version: number;
}

export const changeOf = (row: ScheduleRow): ScheduleChange => ({
  id: row.id,
  themeId: row.themeId,
  date: row.date,
  status: row.status,
  holdExpiresAt: row.holdExpiresAt ? row.holdExpiresAt.getTime() : null,
  heldBy: row.heldBy,
  version: row.version,
});

/** The `event: schedule` body: no holder (that is nobody else's business). */
export const publicBody = (c: ScheduleChange) => ({
  id: c.id,
  status: c.status,
  ...(c.holdExpiresAt !== null && { holdExpiresAt: new Date(c.holdExpiresAt).toISOString() }),
  version: c.version,
});

/** The `id:` of a schedule's event: the same on every instance, so a reconnect elsewhere can be placed. */
export const eventIdOf = (c: Pick<ScheduleChange, 'id' | 'version'>) => `${c.id}.${c.version}`;

/** One SSE frame; `data` is already JSON. */
export const frame = (event: string, data: string, id?: string) => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;

export const HEARTBEAT = ': keep-alive\n\n';
