import type { Knex } from 'knex';

const ACTIVE_RESERVATION = `status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED')`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.bigIncrements('id');
    t.string('email', 254).notNullable();
    t.string('password_hash', 200).notNullable();
    t.string('name', 100).notNullable();
    t.string('role', 10).notNullable().defaultTo('USER');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`role IN ('USER', 'ADMIN')`);
  });
  await knex.raw('CREATE UNIQUE INDEX users_email_unique ON users (lower(email))');

  await knex.schema.createTable('login_history', (t) => {
    t.bigIncrements('id');
    t.bigInteger('user_id').references('users.id').onDelete('SET NULL');
    t.string('email', 254).notNullable();
    t.boolean('success').notNullable();
    t.string('ip', 64);
    t.string('user_agent', 512);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.createTable('stores', (t) => {
    t.bigIncrements('id');
    t.string('name', 100).notNullable().unique();
    t.string('address', 200).notNullable();
    t.string('phone', 30);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('themes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('store_id').notNullable().references('stores.id').onDelete('RESTRICT');
    t.string('name', 100).notNullable();
    t.string('description', 2000).notNullable().defaultTo('');
    t.integer('price').notNullable();
    t.integer('duration_minutes').notNullable();
    t.integer('min_players').notNullable();
    t.integer('max_players').notNullable();
    t.integer('difficulty').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['store_id', 'name']);
    t.check('price > 0 AND duration_minutes > 0 AND min_players >= 1 AND max_players >= min_players');
    t.check('difficulty BETWEEN 1 AND 5');
  });

  await knex.schema.createTable('schedules', (t) => {
    t.bigIncrements('id');
    t.bigInteger('theme_id').notNullable().references('themes.id').onDelete('RESTRICT');
    t.date('date').notNullable();
    t.time('start_time').notNullable();
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.string('status', 12).notNullable().defaultTo('AVAILABLE');
    t.bigInteger('held_by').references('users.id');
    t.timestamp('hold_expires_at', { useTz: true });
    t.integer('version').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['theme_id', 'date', 'start_time']);
    t.check(`status IN ('AVAILABLE', 'HOLD', 'RESERVED', 'BLOCKED')`);
    t.check(`(status = 'HOLD') = (held_by IS NOT NULL AND hold_expires_at IS NOT NULL)`);
  });
  await knex.raw(`CREATE INDEX schedules_due_holds ON schedules (hold_expires_at) WHERE status = 'HOLD'`);

  await knex.schema.createTable('reservations', (t) => {
    t.bigIncrements('id');
    t.bigInteger('schedule_id').notNullable().references('schedules.id');
    t.bigInteger('user_id').notNullable().references('users.id');
    t.string('status', 20).notNullable();
    t.string('order_id', 64).notNullable().unique();
    t.integer('amount').notNullable();
    t.integer('participants').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.string('cancel_reason', 200);
    t.timestamp('canceled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED', 'EXPIRED', 'CANCELED')`);
    t.check('amount > 0 AND participants > 0');
    t.index(['user_id', 'created_at']);
  });
  await knex.raw(`CREATE UNIQUE INDEX reservations_one_active_per_schedule ON reservations (schedule_id) WHERE ${ACTIVE_RESERVATION}`);
  await knex.raw(`CREATE INDEX reservations_due_pending ON reservations (expires_at) WHERE status = 'PENDING'`);
  await knex.raw(`CREATE INDEX reservations_in_payment ON reservations (updated_at) WHERE status = 'PAYMENT_IN_PROGRESS'`);

  await knex.schema.createTable('payments', (t) => {
    t.bigIncrements('id');
    t.bigInteger('reservation_id').notNullable().references('reservations.id');
    t.string('payment_key', 200).notNullable().unique();
    t.string('order_id', 64).notNullable().unique();
    t.integer('amount').notNullable();
    t.string('status', 20).notNullable();
    t.string('method', 30);
    t.timestamp('approved_at', { useTz: true });
    t.integer('refunded_amount').notNullable().defaultTo(0);
    t.timestamp('refunded_at', { useTz: true });
    t.jsonb('gateway_response');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('payment_attempts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('reservation_id').notNullable().references('reservations.id');
    t.string('order_id', 64).notNullable();
    t.string('payment_key', 200).notNullable();
    t.integer('amount').notNullable();
    t.boolean('success').notNullable();
    t.string('code', 80);
    t.string('message', 500);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['reservation_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['payment_attempts', 'payments', 'reservations', 'schedules', 'themes', 'stores', 'login_history', 'users']) {
    await knex.schema.dropTableIfExists(table);
  }
}
