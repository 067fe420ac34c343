import type { Knex } from 'knex';
import * as initial from './20261126000000_initial.js';
import * as paymentsHistory from './20261126010000_payments_history.js';
import * as authority from './20261201100000_authority.js';
import * as loginJournal from './20261201120000_login_journal.js';
import * as paymentOutcomes from './20261201200000_payment_outcomes.js';
import * as userChanges from './20261202000000_user_changes.js';
import * as historyWriteGuards from './20261202050000_history_write_guards.js';
import * as waitlist from './20261202100000_waitlist.js';
import * as holdCountsByHolder from './20261202150000_hold_counts_by_holder.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// Listed here rather than read from disk, so the same list serves tsx, compiled JS and tests.
const migrations: Record<string, Migration> = {
  '20261126000000_initial': initial,
  '20261126010000_payments_history': paymentsHistory,
  '20261201100000_authority': authority,
  '20261201120000_login_journal': loginJournal,
  '20261201200000_payment_outcomes': paymentOutcomes,
  '20261202000000_user_changes': userChanges,
  '20261202050000_history_write_guards': historyWriteGuards,
  '20261202100000_waitlist': waitlist,
  '20261202150000_hold_counts_by_holder': holdCountsByHolder,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};
