import { loadConfig } from '../../config.js';
import { createDb, migrateLatest, type Db } from '../knex.js';

/** The database DATABASE_URL points at, migrated: for the command-line tools. */
export async function connectFromEnv(): Promise<Db> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    process.stderr.write('DATABASE_URL is not set. These commands work on a database server (npm start runs its own embedded one).\n');
    process.exit(2);
  }
  const db = createDb({ url: config.databaseUrl, poolMax: 2 });
  await migrateLatest(db);
  return db;
}
