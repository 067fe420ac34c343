import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reservations', (t) => {
    // Counted in the same statement that ends each attempt, so payOnSite never races the history batch.
    t.integer('payment_attempts').notNullable().defaultTo(0);
  });

  await knex.schema.alterTable('payments', (t) => {
    t.string('refund_status', 12);
    t.string('refund_reason', 200);
    t.integer('refund_attempts').notNullable().defaultTo(0);
    t.string('last_refund_error', 200);
    t.check(`refund_status IS NULL OR refund_status IN ('REQUESTED', 'DONE')`, [], 'payments_refund_status_check');
  });
  await knex.raw(`CREATE INDEX payments_refunds_due ON payments (updated_at) WHERE refund_status = 'REQUESTED'`);

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.bigInteger('user_id').notNullable();
    t.string('scope', 40).notNullable();
    t.string('key', 300).notNullable();
    t.string('request_hash', 64).notNullable();
    t.integer('response_status');
    t.jsonb('response_body');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.primary(['user_id', 'scope', 'key']);
  });

  await knex.schema.createTable('booking_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('schedule_id').notNullable();
    t.bigInteger('user_id');
    t.bigInteger('reservation_id');
    t.string('type', 30).notNullable();
    t.jsonb('detail');
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['reservation_id', 'at']);
    t.index(['schedule_id', 'user_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('booking_events');
  await knex.schema.dropTableIfExists('idempotency_keys');
  await knex.raw('DROP INDEX IF EXISTS payments_refunds_due');
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumns('refund_status', 'refund_reason', 'refund_attempts', 'last_refund_error');
  });
  await knex.schema.alterTable('reservations', (t) => t.dropColumn('payment_attempts'));
}
