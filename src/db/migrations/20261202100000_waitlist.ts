import type { Knex } from 'knex';
import { HOLD_LOCK_CLASS } from './20261201100000_authority.js';

/**
 * The waiting list (issue 15): `waitlist_entries`, the `notifications` outbox, and the rule that
 * hands a freed slot to the first eligible waiter.
 *
 * The rule is a BEFORE UPDATE trigger on `schedules`, so it runs inside the very compare-and-set
 * statement the schedule actor commits (`commitTransition`, `casMany`, `claim_holds`): when that
 * statement frees a schedule, the row it writes, and RETURNS to the actor, is already a HOLD for
 * the waiter until the offer's end. Nobody can take the slot in between, two writers at the same
 * version cannot both offer (the loser's WHERE no longer matches, so its trigger never fires), and
 * no crash can separate the free-up from the offer. An offer that lapses is a hold that lapses: the
 * Expire that frees it passes it on through the same trigger.
 *
 * Eligible: WAITING, in join order, not the holder whose hold just ended, without an active
 * reservation on the slot, and under the hold cap, counted as `claim_holds` counts it, under the
 * same per-user advisory lock. The offer's length and the cap are the ones in force where the
 * waiter joined (stored on the entry): the statement that frees a slot has no process config.
 *
 * The trigger fires only when a hold ends or a schedule becomes AVAILABLE; a grant on an AVAILABLE
 * schedule (the hot hold path) does not fire it.
 */
export const WAITLIST_JOIN_LOCK_CLASS = 7_003;

const ACTIVE_RESERVATION = `r.status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED')`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('waitlist_entries', (t) => {
    t.bigIncrements('id');
    t.bigInteger('schedule_id').notNullable().references('schedules.id').onDelete('CASCADE');
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('status', 10).notNullable().defaultTo('WAITING');
    t.integer('offer_ttl_ms').notNullable();
    t.integer('max_holds').notNullable();
    t.timestamp('offered_at', { useTz: true });
    t.timestamp('offer_expires_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`status IN ('WAITING', 'OFFERED', 'ACCEPTED', 'EXPIRED', 'LEFT')`);
    t.index(['user_id', 'id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX waitlist_open_entry ON waitlist_entries (schedule_id, user_id) WHERE status IN ('WAITING', 'OFFERED')`);
  await knex.raw(`CREATE INDEX waitlist_waiting ON waitlist_entries (schedule_id, id) WHERE status = 'WAITING'`);

  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('kind', 40).notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** When the Bull bus carried it (null: not yet, or no Redis). */
    t.timestamp('published_at', { useTz: true });
  });
  await knex.raw(`CREATE INDEX notifications_unpublished ON notifications (id) WHERE published_at IS NULL`);

  await knex.raw(`
    CREATE FUNCTION waitlist_pass_on() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      w record;
      live int;
      ends timestamptz;
    BEGIN
      IF OLD.status = 'HOLD' THEN
        -- Still theirs: the holder reserved on it (the hold now lasts as long as the reservation), or paid.
        IF (NEW.status = 'HOLD' AND NEW.held_by = OLD.held_by AND OLD.hold_expires_at > now()) OR NEW.status = 'RESERVED' THEN
          RETURN NEW;
        END IF;
        -- Any other end of the hold (released, lapsed, taken over after lapsing, blocked) ends its offer.
        UPDATE waitlist_entries SET status = 'EXPIRED', updated_at = now()
         WHERE schedule_id = OLD.id AND user_id = OLD.held_by AND status = 'OFFERED';
      END IF;
      IF NEW.status NOT IN ('AVAILABLE', 'HOLD') OR NEW.starts_at <= now() THEN
        RETURN NEW;
      END IF;
      FOR w IN
        SELECT e.id, e.user_id, e.offer_ttl_ms, e.max_holds FROM waitlist_entries e
         WHERE e.schedule_id = NEW.id AND e.status = 'WAITING' AND e.user_id IS DISTINCT FROM OLD.held_by
         ORDER BY e.id
      LOOP
        PERFORM pg_advisory_xact_lock(${HOLD_LOCK_CLASS}, w.user_id::int);
        SELECT count(*) INTO live FROM schedules s
         WHERE s.status = 'HOLD' AND s.held_by = w.user_id AND s.hold_expires_at > now() AND s.id <> NEW.id
           AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.schedule_id = s.id AND ${ACTIVE_RESERVATION});
        CONTINUE WHEN live >= w.max_holds;
        CONTINUE WHEN EXISTS (SELECT 1 FROM reservations r WHERE r.schedule_id = NEW.id AND r.user_id = w.user_id AND ${ACTIVE_RESERVATION});
        ends := now() + w.offer_ttl_ms * interval '1 millisecond';
        NEW.status := 'HOLD';
        NEW.held_by := w.user_id;
        NEW.hold_expires_at := ends;
        UPDATE waitlist_entries SET status = 'OFFERED', offered_at = now(), offer_expires_at = ends, updated_at = now() WHERE id = w.id;
        INSERT INTO booking_events (schedule_id, user_id, reservation_id, type, detail, at)
        VALUES (NEW.id, w.user_id, NULL, 'OFFERED', jsonb_build_object('entryId', w.id, 'offerExpiresAt', ends), now());
        INSERT INTO notifications (user_id, kind, payload)
        VALUES (w.user_id, 'WaitlistOffered', jsonb_build_object('entryId', w.id, 'userId', w.user_id, 'scheduleId', NEW.id, 'offerExpiresAt', ends));
        RETURN NEW;
      END LOOP;
      RETURN NEW;
    END $$`);

  // An offer is accepted by reserving on it (in the reservation's own statement).
  await knex.raw(`
    CREATE FUNCTION waitlist_accept() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      UPDATE waitlist_entries SET status = 'ACCEPTED', updated_at = now()
       WHERE schedule_id = NEW.schedule_id AND user_id = NEW.user_id AND status = 'OFFERED';
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER reservations_waitlist AFTER INSERT ON reservations FOR EACH ROW EXECUTE FUNCTION waitlist_accept()`);

  // One round trip per join, so the schedule row's lock (which orders joins, and a join against the
  // statement that frees the slot) is held for microseconds, not for several client round trips.
  await knex.raw(`
    CREATE FUNCTION join_waitlist(p_schedule bigint, p_user bigint, p_offer_ttl_ms int, p_max_holds int, p_max_entries int)
    RETURNS TABLE (outcome text, entry_id bigint, entry_status text, entry_position int)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      s record;
      found_id bigint;
      n int;
    BEGIN
      -- The user's joins one at a time (their cap), then the list's (exact positions).
      PERFORM pg_advisory_xact_lock(${WAITLIST_JOIN_LOCK_CLASS}, p_user::int);
      SELECT sc.status, sc.starts_at <= now() AS past,
             (sc.status = 'HOLD' AND sc.held_by = p_user AND sc.hold_expires_at > now())
               OR EXISTS (SELECT 1 FROM reservations r WHERE r.schedule_id = sc.id AND r.user_id = p_user AND ${ACTIVE_RESERVATION}) AS mine
        INTO s FROM schedules sc WHERE sc.id = p_schedule FOR NO KEY UPDATE;
      IF NOT FOUND THEN
        RETURN QUERY SELECT 'SCHEDULE_NOT_FOUND', NULL::bigint, NULL::text, NULL::int;
        RETURN;
      END IF;
      SELECT e.id INTO found_id FROM waitlist_entries e WHERE e.schedule_id = p_schedule AND e.user_id = p_user AND e.status IN ('WAITING', 'OFFERED');
      IF found_id IS NULL THEN
        IF s.past THEN RETURN QUERY SELECT 'SCHEDULE_IN_PAST', NULL::bigint, NULL::text, NULL::int; RETURN; END IF;
        IF s.status = 'AVAILABLE' THEN RETURN QUERY SELECT 'SCHEDULE_AVAILABLE', NULL::bigint, NULL::text, NULL::int; RETURN; END IF;
        IF s.mine THEN RETURN QUERY SELECT 'SCHEDULE_ALREADY_YOURS', NULL::bigint, NULL::text, NULL::int; RETURN; END IF;
        SELECT count(*) INTO n FROM waitlist_entries e WHERE e.user_id = p_user AND e.status IN ('WAITING', 'OFFERED');
        IF n >= p_max_entries THEN RETURN QUERY SELECT 'limited', NULL::bigint, NULL::text, NULL::int; RETURN; END IF;
        INSERT INTO waitlist_entries (schedule_id, user_id, offer_ttl_ms, max_holds) VALUES (p_schedule, p_user, p_offer_ttl_ms, p_max_holds) RETURNING id INTO found_id;
        outcome := 'joined';
      ELSE
        outcome := 'already';
      END IF;
      RETURN QUERY
        SELECT outcome, e.id, e.status::text,
               CASE WHEN e.status = 'WAITING' THEN (SELECT count(*) FROM waitlist_entries o WHERE o.schedule_id = e.schedule_id AND o.status = 'WAITING' AND o.id <= e.id)::int END
          FROM waitlist_entries e WHERE e.id = found_id;
    END $$`);

  await knex.raw(`
    CREATE TRIGGER schedules_waitlist BEFORE UPDATE ON schedules FOR EACH ROW
      WHEN ((OLD.status = 'HOLD' AND (NEW.status <> 'HOLD' OR NEW.held_by IS DISTINCT FROM OLD.held_by OR NEW.hold_expires_at IS DISTINCT FROM OLD.hold_expires_at))
            OR (NEW.status = 'AVAILABLE' AND OLD.status <> 'AVAILABLE'))
      EXECUTE FUNCTION waitlist_pass_on()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS reservations_waitlist ON reservations');
  await knex.raw('DROP FUNCTION IF EXISTS waitlist_accept()');
  await knex.raw('DROP TRIGGER IF EXISTS schedules_waitlist ON schedules');
  await knex.raw('DROP FUNCTION IF EXISTS waitlist_pass_on()');
  await knex.raw('DROP FUNCTION IF EXISTS join_waitlist(bigint, bigint, int, int, int)');
  await knex.schema.dropTableIfExists('notifications');
  await knex.schema.dropTableIfExists('waitlist_entries');
}
