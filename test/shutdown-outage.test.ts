import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { cheapUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { startInstance, type Instance } from './fixtures/instance.js';

/**
 * SIGTERM under login load, and the database stalls (no RST) right after: the shutdown budget
 * (SHUTDOWN_TIMEOUT_MS) still holds, the history goes to the spill file instead of being lost,
 * and the next start replays it exactly once: every accepted login has exactly one row.
 */
const SHUTDOWN_TIMEOUT_MS = 6_000;

let database: TestDatabase;
let proxy: TcpProxy;
let dataDir: string;
const instances: Instance[] = [];

test.before(async () => {
  database = await createTestDatabase(5);
  proxy = await startTcpProxy();
  dataDir = mkdtempSync(join(tmpdir(), 'roomescape-shutdown-outage-'));
});

test.after.always(async () => {
  await Promise.allSettled(instances.map((i) => i.stop()));
  await proxy?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = async () => {
  const instance = await startInstance({
    DATABASE_URL: proxy.urlFor(database.url),
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: dataDir,
    REDIS_URL: '',
    DATABASE_POOL_MAX: '5',
    DATABASE_QUERY_TIMEOUT_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  instances.push(instance);
  return instance;
};

const spillFiles = () => {
  const root = join(dataDir, 'history');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).filter((f) => f.startsWith('history-spill')));
};

test.serial('SIGTERM, then the database stalls: exit within the budget, history spilled, replayed once on the next start', async (t) => {
  t.timeout(90_000);
  const users = await cheapUsers(database.db, 20, 'sdo');
  const emails = users.map((u) => u.email);
  const first = await start();
  const exit = new Promise<{ code: number | null; at: number }>((resolve) => first.child.once('exit', (code) => resolve({ code, at: Date.now() })));
  let exited = false;
  void exit.then(() => (exited = true));

  const run = randomBytes(4).toString('hex');
  const accepted: string[] = [];
  let signalled = false;
  let enough!: () => void;
  const flowing = new Promise<void>((resolve) => (enough = resolve));
  const loop = async (worker: number) => {
    const { email } = users[worker % users.length]!;
    for (let n = 0; !exited; n += 1) {
      const agent = `sdo-${run}-w${worker}-n${n}`;
      try {
        const res = await fetch(`${first.url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': agent },
          body: JSON.stringify({ email, password: n % 5 === 4 ? 'not-the-password' : TEST_PASSWORD }),
        });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) accepted.push(agent);
        if (accepted.length >= 100) enough();
      } catch (err) {
        if (signalled) return;
        throw err;
      }
    }
  };
  const loops = Promise.allSettled(Array.from({ length: 20 }, (_, w) => loop(w)));
  await flowing;

  signalled = true;
  const signalledAt = Date.now();
  first.child.kill('SIGTERM');
  // The database goes away mid-shutdown: whatever history is still in memory cannot be written.
  proxy.hang();
  const { code, at } = await exit;
  await loops;
  const elapsed = at - signalledAt;
  t.log(`${accepted.length} accepted logins; exit ${code} ${elapsed} ms after SIGTERM; spill files: ${spillFiles().join(', ')}`);
  t.true(elapsed < SHUTDOWN_TIMEOUT_MS + 500, `exited ${elapsed} ms after SIGTERM`);
  t.true(spillFiles().length > 0, 'the history that the database did not take is on disk');

  proxy.restore();
  const second = await start();
  const rowsFor = async () => {
    const rows: { user_agent: string }[] = await database.db('login_history').whereIn('email', emails).select('user_agent');
    return rows.map((r) => r.user_agent);
  };
  await eventually(async () => {
    const have = new Set(await rowsFor());
    return accepted.every((a) => have.has(a));
  }, 20_000);
  t.is(await second.stop(), 0);
  const rows = await rowsFor();
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r, (seen.get(r) ?? 0) + 1);
  t.deepEqual(
    [...seen].filter(([, n]) => n > 1),
    [],
    'no row twice',
  );
  t.deepEqual(
    accepted.filter((a) => !seen.has(a)),
    [],
    'every accepted login has its row',
  );
  t.deepEqual(spillFiles(), [], 'the spill files are gone once replayed');
});
