import { connectFromEnv } from './connect.js';
import { DEMO_ACCOUNTS, seedDemoData } from '../seed.js';

const db = await connectFromEnv();
const { schedulesCreated } = await seedDemoData(db);
process.stdout.write(`demo data loaded (${schedulesCreated} new schedules); accounts: ${DEMO_ACCOUNTS.user.email}, ${DEMO_ACCOUNTS.admin.email}\n`);
await db.destroy();
