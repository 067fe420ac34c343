import type { Db } from '../../db/knex.js';
import { mine } from '../reservations.js';
import type { LiveHub } from './hub.js';
import type { EventStream } from './stream.js';
import { UserFeed, type HoldView } from './user-feed.js';

/** The user's live holds, for the countdown a fresh stream starts with. */
async function holdsOf(db: Db, userId: number): Promise<HoldView[]> {
  const rows: { id: number; status: HoldView['status']; hold_expires_at: Date | null; version: number }[] = await db('schedules')
    .select('id', 'status', 'hold_expires_at', 'version')
    .where({ held_by: userId, status: 'HOLD' });
  // Expiry tested here, not in SQL: a WHERE on it would let the clock's index of every live hold serve this (see migration 20261202150000).
  const now = Date.now();
  return rows
    .filter((r) => r.hold_expires_at !== null && r.hold_expires_at.getTime() > now)
    .map((r) => ({ scheduleId: r.id, status: r.status, holdExpiresAt: r.hold_expires_at?.toISOString() ?? null, version: r.version }));
}

/** Opens a signed-in user's stream of their own reservations and holds. */
export async function openUserStream(db: Db, hub: LiveHub, stream: EventStream<unknown>, userId: number, begin: () => void): Promise<void> {
  const feed = new UserFeed(userId, stream, { reservations: () => mine(db, userId) }, (f, before) => hub.rewatch(f, before));
  hub.addUser(feed);
  const head = await feed.start(await holdsOf(db, userId));
  begin();
  stream.open('retry: 2000\n\n' + head);
}
