import type { Knex } from 'knex';

/**
 * Payment attempts become a ledger: each one is written when it starts (in the transaction that
 * moves the reservation to PAYMENT_IN_PROGRESS) and gets a definite outcome in the transaction
 * that ends it, so a sweep can find every attempt whose outcome is still open. Refunds become one
 * row per gateway cancel (partial cancels by policy), and themes may carry their own refund policy.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payment_attempts', (t) => {
    // NULL: the gateway call is running (or a crash cut it short); UNKNOWN: it ended without a definite answer.
    t.string('outcome', 10);
    t.string('idempotency_key', 300);
    t.string('gateway_code', 80);
    t.integer('checks').notNullable().defaultTo(0);
    t.timestamp('next_check_at', { useTz: true });
    t.timestamp('settled_at', { useTz: true });
    t.check(`outcome IS NULL OR outcome IN ('APPROVED', 'DECLINED', 'RETRYABLE', 'UNKNOWN')`, [], 'payment_attempts_outcome_check');
  });
  // Rows from before this migration were written after the fact by the history batch: their outcome is what `success` said.
  await knex.raw(
    `UPDATE payment_attempts SET outcome = CASE WHEN success THEN 'APPROVED' WHEN code = 'OUTCOME_UNKNOWN' THEN 'UNKNOWN' ELSE 'DECLINED' END, settled_at = created_at, next_check_at = created_at`,
  );
  await knex.raw(`CREATE INDEX payment_attempts_open ON payment_attempts (next_check_at) WHERE outcome IS NULL OR outcome = 'UNKNOWN'`);
  await knex.raw(`CREATE INDEX payment_attempts_order ON payment_attempts (order_id)`);

  await knex.schema.createTable('payment_refunds', (t) => {
    t.bigIncrements('id');
    t.bigInteger('payment_id').notNullable().references('payments.id');
    t.integer('amount').notNullable();
    t.string('reason', 200).notNullable();
    t.string('idempotency_key', 300).notNullable().unique();
    t.string('status', 12).notNullable().defaultTo('REQUESTED');
    t.string('transaction_key', 64);
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_error', 200);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('done_at', { useTz: true });
    t.check(`status IN ('REQUESTED', 'DONE')`, [], 'payment_refunds_status_check');
    t.check('amount > 0', [], 'payment_refunds_amount_check');
  });
  await knex.raw(`CREATE INDEX payment_refunds_due ON payment_refunds (updated_at) WHERE status = 'REQUESTED'`);

  await knex.schema.alterTable('themes', (t) => {
    // [{ "before": minutes before the start, "percent": refunded }, …]; NULL: the service's default policy.
    t.jsonb('refund_policy');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('themes', (t) => t.dropColumn('refund_policy'));
  await knex.schema.dropTableIfExists('payment_refunds');
  await knex.raw('DROP INDEX IF EXISTS payment_attempts_open');
  await knex.raw('DROP INDEX IF EXISTS payment_attempts_order');
  await knex.schema.alterTable('payment_attempts', (t) => {
    t.dropChecks('payment_attempts_outcome_check');
    t.dropColumns('outcome', 'idempotency_key', 'gateway_code', 'checks', 'next_check_at', 'settled_at');
  });
}
