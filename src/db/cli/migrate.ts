import { connectFromEnv } from './connect.js';
import { migrateDown } from '../knex.js';

const db = await connectFromEnv();
if (process.argv.includes('--down')) {
  await migrateDown(db);
  process.stdout.write('rolled back every migration\n');
} else {
  process.stdout.write('database is at the latest migration\n');
}
await db.destroy();
