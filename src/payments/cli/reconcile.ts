import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { connectFromEnv } from '../../db/cli/connect.js';
import { reconciliationReport } from '../report.js';
import { createTossClient } from '../toss-client.js';

// npm run reconcile -- --since 2026-12-01T00:00:00+09:00 [--until …]
// Prints the reconciliation report as JSON. Exit 0: both lists empty; 1: a discrepancy; 2: the
// report could not be made (bad arguments, no gateway, the gateway's transaction list unreadable).

const usage = 'usage: npm run reconcile -- --since <ISO date-time> [--until <ISO date-time>]\n';
const { values } = parseArgs({ options: { since: { type: 'string' }, until: { type: 'string' } } });
const since = values.since ? new Date(values.since) : null;
const until = values.until ? new Date(values.until) : new Date();
if (!since || Number.isNaN(since.getTime()) || Number.isNaN(until.getTime())) {
  process.stderr.write(usage);
  process.exit(2);
}
const config = loadConfig();
if (!config.tossBaseUrl) {
  process.stderr.write('TOSS_BASE_URL is not set: the report compares our books with a gateway the command can reach.\n');
  process.exit(2);
}
const db = await connectFromEnv();
const gateway = createTossClient({ baseUrl: config.tossBaseUrl, secretKey: config.tossSecretKey ?? 'test_sk_mock', timeoutMs: config.paymentTimeoutMs });
try {
  const report = await reconciliationReport({ db, gateway }, { since, until });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = !report.complete ? 2 : report.chargedWithoutBooking.length + report.bookedWithoutPayment.length > 0 ? 1 : 0;
} finally {
  await db.destroy();
}
