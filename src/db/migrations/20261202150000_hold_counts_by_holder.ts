import type { Knex } from 'knex';

/**
 * A user's live holds are counted through `schedules_holder` (by holder), never by scanning every
 * live hold in the database.
 *
 * The cap checks (`claim_holds`, the waiting list's offer) counted `status = 'HOLD' AND held_by = u
 * AND hold_expires_at > now()`. `schedules_due_holds`, the clock's index (`hold_expires_at` of
 * every HOLD row), matches that WHERE as well, and when the statistics were taken before the holds
 * came (a sale opening many slots at once: ANALYZE saw no HOLD row) the planner estimates one row
 * either way and picks it: each grant batch then walked every live hold of every user (measured:
 * 12,000 rows read to count 30 users' holds, 110 µs of PostgreSQL CPU per granted hold instead of
 * 35). Two changes make the holder index the only one that fits, whatever the statistics say:
 * - the counts test the expiry in the aggregate's FILTER, not in WHERE;
 * - the clock's index also requires `hold_expires_at IS NOT NULL` (every HOLD row has one, so it
 *   holds the same rows). The clock's `hold_expires_at <= $1` implies it; a WHERE without an expiry
 *   test does not.
 *
 * And a grant's HELD event is written only when the row it wrote is the taker's: over a lapsed
 * hold, the waiting list's trigger may have given the slot to a waiter instead (their OFFERED event
 * is the one that happened).
 */

/** [before, after] in the functions' text: each must be found exactly once. */
const EDITS: Record<string, [string, string][]> = {
  claim_holds: [
    ['SELECT s.held_by, count(*) AS n', 'SELECT s.held_by, count(*) FILTER (WHERE s.hold_expires_at > now()) AS n'],
    ['s.held_by = ANY($3) AND s.hold_expires_at > now()', 's.held_by = ANY($3)'],
    // A grant over a lapsed hold that the waiting list's trigger gave to a waiter is not the taker's hold.
    ['WHERE ev.schedule_id IN (SELECT id FROM written)', 'WHERE (ev.schedule_id, ev.user_id) IN (SELECT id, held_by FROM written)'],
  ],
  waitlist_pass_on: [
    ['SELECT count(*) INTO live FROM schedules s', 'SELECT count(*) FILTER (WHERE s.hold_expires_at > now()) INTO live FROM schedules s'],
    ['s.held_by = w.user_id AND s.hold_expires_at > now() AND', 's.held_by = w.user_id AND'],
  ],
};

async function rewrite(knex: Knex, direction: 'up' | 'down'): Promise<void> {
  for (const [fn, edits] of Object.entries(EDITS)) {
    const { rows } = await knex.raw<{ rows: { def: string }[] }>(`SELECT pg_get_functiondef(?::regproc) AS def`, [fn]);
    let def = rows[0]!.def;
    for (const [before, after] of edits) {
      const [from, to] = direction === 'up' ? [before, after] : [after, before];
      if (def.split(from).length !== 2) throw new Error(`${fn}: expected "${from}" once in its definition`);
      def = def.replace(from, () => to);
    }
    // knex reads ? as a binding; the function text has none of its own.
    await knex.raw(def.replace(/\?/g, '\\?'));
  }
}

async function dueHoldsIndex(knex: Knex, predicate: string): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS schedules_due_holds');
  await knex.raw(`CREATE INDEX schedules_due_holds ON schedules (hold_expires_at) WHERE ${predicate}`);
}

export async function up(knex: Knex): Promise<void> {
  await rewrite(knex, 'up');
  await dueHoldsIndex(knex, `status = 'HOLD' AND hold_expires_at IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await dueHoldsIndex(knex, `status = 'HOLD'`);
  await rewrite(knex, 'down');
}
