import type { Knex } from 'knex';

/**
 * A feed of changes to who a user is: every role change and every deletion, however it is made
 * (the API, an operator's SQL), written by a trigger. Each process reads the feed once a second, so
 * a request's authority is the token's role unless the feed says otherwise: no read per request,
 * and a demotion or deletion reaches every process within a second. Rows older than the longest
 * token lifetime can no longer matter and are pruned.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_changes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('user_id').notNullable();
    /** The role from now on; null: the account was deleted. */
    t.string('role', 16).nullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.index(['changed_at']);
  });
  await knex.raw(`
    CREATE FUNCTION record_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        INSERT INTO user_changes (user_id, role) VALUES (OLD.id, NULL);
      ELSE
        INSERT INTO user_changes (user_id, role) VALUES (NEW.id, NEW.role);
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER users_role_changed AFTER UPDATE OF role ON users
      FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role) EXECUTE FUNCTION record_user_change()`);
  await knex.raw('CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION record_user_change()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS users_deleted ON users');
  await knex.raw('DROP TRIGGER IF EXISTS users_role_changed ON users');
  await knex.raw('DROP FUNCTION IF EXISTS record_user_change()');
  await knex.schema.dropTableIfExists('user_changes');
}
