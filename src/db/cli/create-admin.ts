import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectFromEnv } from './connect.js';
import { upsertAdmin } from '../repositories/users.js';
import { hashPassword } from '../../services/password.js';

const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string', default: 'Administrator' } } });
const input = z.object({ email: z.string().email().max(254), password: z.string().min(8).max(128), name: z.string().min(1).max(100) }).safeParse(values);
if (!input.success) {
  process.stderr.write('usage: npm run create-admin -- --email E --password P [--name N]  (password: 8 characters or more)\n');
  process.exit(2);
}
const db = await connectFromEnv();
const admin = await upsertAdmin(db, { email: input.data.email, name: input.data.name, passwordHash: await hashPassword(input.data.password) });
process.stdout.write(`admin account ready: ${admin.email} (id ${admin.id})\n`);
await db.destroy();
