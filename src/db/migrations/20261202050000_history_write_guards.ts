import type { Knex } from 'knex';

/**
 * The history actor's write guards get a table of their own. A guard is the key of one history
 * batch, written in the batch's transaction, so a retry or a replay of the same batch writes
 * nothing twice (see db/repositories/history.ts). They used to sit in idempotency_keys under user
 * 0, a user that does not exist, mixed with the API's idempotency keys.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('history_write_guards', (t) => {
    t.text('key').primary();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['created_at'], 'history_write_guards_created_at');
  });
  await knex.raw(
    `INSERT INTO history_write_guards (key, created_at)
     SELECT key, created_at FROM idempotency_keys WHERE user_id = 0 AND scope = 'history-write'
     ON CONFLICT DO NOTHING`,
  );
  await knex('idempotency_keys').where({ user_id: 0, scope: 'history-write' }).delete();
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at)
     SELECT 0, 'history-write', key, '', created_at FROM history_write_guards
     ON CONFLICT DO NOTHING`,
  );
  await knex.schema.dropTableIfExists('history_write_guards');
}
