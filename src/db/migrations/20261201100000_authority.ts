import type { Knex } from 'knex';

/**
 * Sessions that can end, and holds that are capped per user.
 *
 * `revoked_sessions` lists tokens ended by logout; every instance reads the new rows once a second
 * (by `id`), so a logout anywhere takes effect everywhere within that.
 *
 * `claim_holds` grants many holds in one round trip (group commit), at most `max_holds` live bare
 * holds per user across every process. A single statement sees one snapshot, so two transactions
 * granting the same user a hold on two different schedules could both see the user under the cap;
 * inside a plpgsql function each statement takes a fresh snapshot instead. The function first takes
 * each holder's transaction-scoped advisory lock in id order (only holds for the same user wait for
 * each other, never holds on the same slot), then counts with a snapshot that sees every hold
 * committed before the lock was granted, then writes the compare-and-set. A hold for a user that no
 * longer exists is answered `no-user` rather than failing the batch on the foreign key.
 */
/** The first key of the advisory locks that serialise one user's hold grants and reservations. */
export const HOLD_LOCK_CLASS = 7_001;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('revoked_sessions', (t) => {
    t.bigIncrements('id');
    t.string('sid', 64).notNullable().unique();
    t.bigInteger('user_id').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['expires_at']);
  });

  await knex.raw(`CREATE INDEX schedules_holder ON schedules (held_by) WHERE status = 'HOLD'`);
  await knex.raw(`CREATE INDEX reservations_unpaid_by_user ON reservations (user_id) WHERE status IN ('PENDING', 'PAYMENT_IN_PROGRESS')`);

  await knex.raw(`
    CREATE FUNCTION claim_holds(p_ids bigint[], p_versions int[], p_users bigint[], p_expires timestamptz[], p_max int,
                                e_schedules bigint[], e_users bigint[], e_types text[], e_at timestamptz[])
    RETURNS TABLE (schedule jsonb, outcome text)
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      -- One statement takes every holder's lock, in id order (a loop would pay a call per user).
      PERFORM pg_advisory_xact_lock(${HOLD_LOCK_CLASS}, h.u::int) FROM (SELECT DISTINCT x AS u FROM unnest(p_users) AS x ORDER BY 1) AS h;
      -- Planned afresh each call (EXECUTE): a cached generic plan cannot see how few ids the arrays hold.
      RETURN QUERY EXECUTE $q$
      WITH v AS (
        SELECT c.id, c.version, c.held_by, c.hold_expires_at,
               row_number() OVER (PARTITION BY c.held_by ORDER BY c.ord) AS nth
          FROM unnest($1, $2, $3, $4) WITH ORDINALITY AS c(id, version, held_by, hold_expires_at, ord)
      ),
      live AS (
        SELECT s.held_by, count(*) AS n
          FROM schedules s
         WHERE s.status = 'HOLD' AND s.held_by = ANY($3) AND s.hold_expires_at > now()
           AND NOT (s.id = ANY($1))
           AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.schedule_id = s.id AND r.status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED'))
         GROUP BY s.held_by
      ),
      known AS (
        SELECT v.* FROM v WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = v.held_by)
      ),
      allowed AS (
        SELECT k.* FROM known k LEFT JOIN live l ON l.held_by = k.held_by WHERE coalesce(l.n, 0) + k.nth <= $5
      ),
      written AS (
        UPDATE schedules s
           SET status = 'HOLD', held_by = a.held_by, hold_expires_at = a.hold_expires_at, version = s.version + 1, updated_at = now()
          FROM allowed a
         WHERE s.id = a.id AND s.version = a.version
        RETURNING s.*
      ),
      events AS (
        INSERT INTO booking_events (schedule_id, user_id, reservation_id, type, at)
        SELECT ev.schedule_id, ev.user_id, NULL, ev.type, ev.at
          FROM unnest($6, $7, $8, $9) AS ev(schedule_id, user_id, type, at)
         WHERE ev.schedule_id IN (SELECT id FROM written)
      )
      SELECT to_jsonb(w), 'written' FROM written w
      UNION ALL
      SELECT jsonb_build_object('id', k.id), 'limited' FROM known k WHERE NOT EXISTS (SELECT 1 FROM allowed a WHERE a.id = k.id)
      UNION ALL
      SELECT jsonb_build_object('id', v.id), 'no-user' FROM v WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.id = v.id)
      $q$ USING p_ids, p_versions, p_users, p_expires, p_max, e_schedules, e_users, e_types, e_at;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS claim_holds(bigint[], int[], bigint[], timestamptz[], int, bigint[], bigint[], text[], timestamptz[])');
  await knex.raw('DROP INDEX IF EXISTS reservations_unpaid_by_user');
  await knex.raw('DROP INDEX IF EXISTS schedules_holder');
  await knex.schema.dropTableIfExists('revoked_sessions');
}
