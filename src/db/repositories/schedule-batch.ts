import type { Knex } from 'knex';
import type { Db } from '../knex.js';
import { sqlStateOf } from '../errors.js';
import type { Committed, Limited, ScheduleAggregate, Transition } from '../../actors/schedule/model.js';
import { loadScheduleAggregates, reviveTimes, toSchedule } from './schedule-aggregate.js';
import { commitReservationWithin, commitTransition, type UserLimits } from './schedule-transitions.js';
import { Batcher } from '../../cache/batcher.js';

/** A schedule-only transition that sets every column: the kind a batch can carry. */
export type FullTransition = Transition & { schedule: Required<Transition['schedule']>; reservation?: undefined };

export const isBatchable = (t: Transition): t is FullTransition => !t.reservation && 'status' in t.schedule && 'heldBy' in t.schedule && 'holdExpiresAt' in t.schedule;

/** A transition that gives a user a hold: the kind the per-user cap counts. */
const isHoldGrant = (t: FullTransition): boolean => t.schedule.status === 'HOLD' && t.schedule.heldBy !== null;

/**
 * Reads and compare-and-set writes of schedules, grouped across actors (group commit). A write
 * answers null when the version moved, or `Limited` when a per-user cap refused it.
 */
export interface BatchedScheduleStore {
  load(scheduleId: number): Promise<ScheduleAggregate | null>;
  commit(t: Transition): Promise<Committed | null | Limited>;
}

/** No caps: for tools and tests that write schedules as an operator would. */
const UNLIMITED: UserLimits = { maxHolds: Number.MAX_SAFE_INTEGER, maxUnpaid: Number.MAX_SAFE_INTEGER };

export function batchedScheduleStore(db: Db, maxBatch = 100, limits: UserLimits = UNLIMITED): BatchedScheduleStore {
  const loads = new Batcher<number, ScheduleAggregate | null>(async (ids) => {
    const found = await loadScheduleAggregates(db, ids);
    return ids.map((id) => found.get(id) ?? null);
  }, maxBatch);
  const writes = new Batcher<FullTransition, Committed | null>((ts) => casMany(db, ts), maxBatch);
  const grants = new Batcher<FullTransition, Committed | null | Limited>(
    (ts) => claimHolds(db, ts, limits.maxHolds),
    maxBatch,
    (t) => t.schedule.heldBy!,
  );
  return {
    load: (id) => loads.submit(id),
    commit: (t) => {
      if (isBatchable(t)) return isHoldGrant(t) ? grants.submit(t) : writes.submit(t);
      return t.reservation?.kind === 'insert' ? commitReservationWithin(db, t, limits.maxUnpaid) : commitTransition(db, t);
    },
  };
}

/**
 * Many holds granted in one statement (`claim_holds`, see its migration), each at its own version
 * and within its holder's cap, which counts holds committed by every process. A grant whose version
 * moved answers null; one over the cap, or for a user that is gone, answers `Limited`. A deadlock between two processes'
 * batches falls back to one by one.
 */
async function claimHolds(db: Db, ts: FullTransition[], maxHolds: number): Promise<(Committed | null | Limited)[]> {
  const run = async (batch: FullTransition[]) => {
    // A grant's events (HELD) are written by the same statement, for the grants that were written.
    const events = batch.flatMap((t) => (t.events ?? []).map((e) => ({ scheduleId: t.scheduleId, ...e })));
    const { rows } = await db.raw<{ rows: { schedule: Record<string, unknown>; outcome: 'written' | 'limited' | 'no-user' }[] }>(
      'SELECT schedule, outcome FROM claim_holds(?::bigint[], ?::int[], ?::bigint[], ?::timestamptz[], ?, ?::bigint[], ?::bigint[], ?::text[], ?::timestamptz[])',
      [
        batch.map((t) => t.scheduleId),
        batch.map((t) => t.version),
        batch.map((t) => t.schedule.heldBy) as unknown as Knex.Value,
        batch.map((t) => t.schedule.holdExpiresAt) as unknown as Knex.Value,
        Math.min(maxHolds, 2_147_483_647),
        events.map((e) => e.scheduleId),
        events.map((e) => e.userId) as unknown as Knex.Value,
        events.map((e) => e.type),
        events.map((e) => e.at) as unknown as Knex.Value,
      ],
    );
    const byId = new Map<number, Committed | Limited>();
    const wanted = new Map(batch.map((t) => [t.scheduleId, t.schedule.heldBy]));
    for (const row of rows) {
      const id = Number(row.schedule.id);
      if (row.outcome === 'written') {
        const schedule = toSchedule(reviveTimes(row.schedule, ['starts_at', 'hold_expires_at']));
        // Waiting list: over a lapsed offer the row went to the next waiter instead; for this grant the version moved.
        if (schedule.heldBy === wanted.get(id)) byId.set(id, { schedule, reservation: null });
      } else byId.set(id, { limited: row.outcome === 'limited' ? 'HOLDS' : 'NO_USER', max: maxHolds });
    }
    return batch.map((t) => byId.get(t.scheduleId) ?? null);
  };
  try {
    return await run(ts);
  } catch (err) {
    if (sqlStateOf(err) !== '40P01' || ts.length === 1) throw err;
    return Promise.all(ts.map(async (t) => (await run([t]))[0]!));
  }
}

/**
 * One UPDATE for many schedules, each at its own expected version: a row whose version moved is
 * simply not returned, and its caller sees null, as with a single compare-and-set. Two processes'
 * batches may lock shared rows in different orders; on a deadlock, the rows go one by one.
 */
async function casMany(db: Db, ts: FullTransition[]): Promise<(Committed | null)[]> {
  if (ts.length === 1) return [await commitTransition(db, ts[0]!)];
  try {
    // Each transition's events are inserted in the same statement, for the rows that did update.
    const events = ts.flatMap((t) => (t.events ?? []).map((e) => ({ scheduleId: t.scheduleId, ...e })));
    const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
      `WITH u AS (
         UPDATE schedules s
            SET status = v.status, held_by = v.held_by, hold_expires_at = v.hold_expires_at, version = s.version + 1, updated_at = now()
           FROM unnest(?::bigint[], ?::int[], ?::text[], ?::bigint[], ?::timestamptz[]) AS v(id, version, status, held_by, hold_expires_at)
          WHERE s.id = v.id AND s.version = v.version
          RETURNING s.*
       ), e AS (
         INSERT INTO booking_events (schedule_id, user_id, reservation_id, type, at)
         SELECT ev.schedule_id, ev.user_id, ev.reservation_id, ev.type, ev.at
           FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::timestamptz[]) AS ev(schedule_id, user_id, reservation_id, type, at)
          WHERE ev.schedule_id IN (SELECT id FROM u)
       )
       SELECT * FROM u`,
      [
        ts.map((t) => t.scheduleId),
        ts.map((t) => t.version),
        ts.map((t) => t.schedule.status),
        ts.map((t) => t.schedule.heldBy) as unknown as Knex.Value,
        ts.map((t) => t.schedule.holdExpiresAt) as unknown as Knex.Value,
        events.map((e) => e.scheduleId),
        events.map((e) => e.userId) as unknown as Knex.Value,
        // A batched transition changes no reservation, so none of its events is about a new one.
        events.map((e) => (typeof e.reservationId === 'number' ? e.reservationId : null)) as unknown as Knex.Value,
        events.map((e) => e.type),
        events.map((e) => e.at) as unknown as Knex.Value,
      ],
    );
    const byId = new Map(rows.map((r) => [r.id as number, toSchedule(r)]));
    return ts.map((t) => {
      const schedule = byId.get(t.scheduleId);
      return schedule ? { schedule, reservation: null } : null;
    });
  } catch (err) {
    if (sqlStateOf(err) !== '40P01') throw err;
    return Promise.all(ts.map((t) => commitTransition(db, t)));
  }
}
