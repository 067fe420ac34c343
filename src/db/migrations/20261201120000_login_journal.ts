import type { Knex } from 'knex';

/**
 * A login row replayed from the local login journal carries the journal's id for it: the unique
 * index makes a replay after a crash insert each login once, however often it is replayed.
 * Rows written before the journal existed have none (NULLs never conflict).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('login_history', (t) => t.string('journal_id', 40));
  await knex.raw('CREATE UNIQUE INDEX login_history_journal_id ON login_history (journal_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS login_history_journal_id');
  await knex.schema.alterTable('login_history', (t) => t.dropColumn('journal_id'));
}
