import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { cheapUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService } from './helpers/service.js';

const PASSWORD = TEST_PASSWORD;
let tdb: TestDatabase;
let dataDir: string;

test.before(async () => {
  tdb = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'history-logins-'));
});

test.after.always(async () => {
  await tdb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `task(0..n-1)` with at most `width` at a time. */
async function pool<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

test.serial('POST /auth/login: 1000 logins leave 1000 login_history rows, written in at most 20 INSERT statements', async (t) => {
  t.timeout(120_000);
  // 100 wrong passwords from one address: this test is about history, not throttling.
  const service = await startTestService(tdb.db, { DATA_DIR: dataDir, LOGIN_FAILURES_PER_ADDRESS: '10000', LOGIN_FAILURES_PER_ACCOUNT: '10000' });
  const users = await cheapUsers(tdb.db, 50, 'login');
  let inserts = 0;
  const onQuery = (q: { sql: string }) => {
    if (/^insert into "login_history"/i.test(q.sql)) inserts += 1;
  };
  tdb.db.on('query', onQuery);
  const statusBefore = service.actors.history.stats();

  const statuses = await pool(1000, 16, async (i) => {
    const user = users[i % users.length]!;
    const password = i % 10 === 9 ? 'not-the-password' : PASSWORD;
    const res = await service.request('POST', '/auth/login', { body: { email: user.email, password }, headers: { 'user-agent': `agent-${i}` } });
    return res.status;
  });
  await service.actors.history.flush({ timeoutMs: 20_000 });
  tdb.db.off('query', onQuery);

  t.is(statuses.filter((s) => s === 200).length, 900);
  t.is(statuses.filter((s) => s === 401).length, 100);
  const emails = users.map((u) => u.email);
  const [row] = await tdb
    .db('login_history')
    .whereIn('email', emails)
    .select(tdb.db.raw('count(*)::int AS rows'), tdb.db.raw('count(DISTINCT user_agent)::int AS agents'), tdb.db.raw('count(*) FILTER (WHERE success)::int AS successes'));
  t.deepEqual(row, { rows: 1000, agents: 1000, successes: 900 });
  t.true(inserts <= 20, `${inserts} INSERT statements`);
  t.log(`${inserts} INSERT statements for 1000 logins`);
  const stats = service.actors.history.stats();
  t.is(stats.insertStatements - statusBefore.insertStatements, inserts, 'the actor counts the statements the database saw');
  t.is(stats.rowsWritten - statusBefore.rowsWritten, 1000);
  await service.close();
});

test.serial('POST /auth/login: answers before its history row is written', async (t) => {
  const service = await startTestService(tdb.db, { DATA_DIR: dataDir, HISTORY_FLUSH_MS: '60000' });
  const [user] = await cheapUsers(tdb.db, 1, 'login');
  const res = await service.request('POST', '/auth/login', { body: { email: user!.email, password: PASSWORD } });
  t.is(res.status, 200);
  t.is(Number((await tdb.db('login_history').where('email', user!.email).count({ n: '*' }))[0]!.n), 0, 'not written yet');
  await service.actors.history.flush();
  const rows = await tdb.db('login_history').where('email', user!.email);
  t.like(rows[0], { user_id: user!.id, success: true, ip: '127.0.0.1' });
  t.is(rows.length, 1);
  await service.close();
});
