import test, { type ExecutionContext } from 'ava';
import { spillDirFor } from '../src/actors/history/index.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../src/db/knex.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { cheapUsers, makeSchedules, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

/** How long PostgreSQL stays unreachable in the outage test; shorten it locally with OUTAGE_MS=5000. */
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 30_000);
const FAST_MS = 1_500;
const PASSWORD = TEST_PASSWORD;

let tdb: TestDatabase;
const dirs: string[] = [];

test.before(async () => {
  tdb = await createTestDatabase();
});

test.after.always(async () => {
  await tdb?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A service whose pool reaches PostgreSQL through a proxy the test can cut. */
async function startBehindProxy(env: Record<string, string> = {}) {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 10 });
  const dataDir = mkdtempSync(join(tmpdir(), 'outage-'));
  dirs.push(dataDir);
  // The login load includes wrong passwords from one address: this test is about the outage, not throttling.
  const service = await startTestService(db, { DATA_DIR: dataDir, LOGIN_FAILURES_PER_ADDRESS: '100000', LOGIN_FAILURES_PER_ACCOUNT: '100000', ...env });
  return {
    proxy,
    service,
    /** Where this service's history spills: its data directory, under the database's own folder. */
    dataDir: spillDirFor(service.config),
    async close() {
      await service.close();
      await db.destroy();
      await proxy.close();
    },
  };
}

/** Every login answer, by status; anything but 200/401/503 is a failure of the test. */
class Logins {
  readonly counts = { ok: 0, wrong: 0, unavailable: 0 };
  readonly unexpected: string[] = [];

  constructor(private readonly service: TestService) {}

  get attempts() {
    return this.counts.ok + this.counts.wrong + this.counts.unavailable;
  }

  async attempt(email: string, password = PASSWORD): Promise<{ status: number; body: any; ms: number }> {
    const started = Date.now();
    try {
      const res = await this.service.request('POST', '/auth/login', { body: { email, password } });
      if (res.status === 200) this.counts.ok += 1;
      else if (res.status === 401) this.counts.wrong += 1;
      else if (res.status === 503 && res.body?.code === 'DATABASE_UNAVAILABLE') this.counts.unavailable += 1;
      else this.unexpected.push(`${res.status} ${JSON.stringify(res.body)}`);
      return { status: res.status, body: res.body, ms: Date.now() - started };
    } catch (err) {
      this.unexpected.push(String(err));
      return { status: 0, body: undefined, ms: Date.now() - started };
    }
  }
}

async function timed(service: TestService, method: string, path: string, token?: string) {
  const started = Date.now();
  const res = await service.request(method, path, { token });
  return { ...res, ms: Date.now() - started };
}

const countHistory = async (emails: string[]) => {
  const [row] = await tdb.db('login_history').whereIn('email', emails).select(tdb.db.raw('count(*)::int AS rows'), tdb.db.raw('count(*) FILTER (WHERE success)::int AS successes'));
  return row as { rows: number; successes: number };
};

/** Polls until `check` holds; for recovery that nothing announces. */
async function eventually(t: ExecutionContext, what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return void t.fail(`${what}: not within ${ms} ms`);
    await pause(100);
  }
}

test.serial(`PostgreSQL unreachable for ${OUTAGE_MS} ms under login load: fast 503s, cached logins served, nothing lost, recovery unaided`, async (t) => {
  t.timeout(OUTAGE_MS + 120_000);
  const { proxy, service, close } = await startBehindProxy();
  const users = await cheapUsers(tdb.db, 20, 'outage');
  const [stranger] = (await cheapUsers(tdb.db, 1, 'outage')) as [{ id: number; email: string }];
  const schedules = await makeSchedules(tdb.db, Math.ceil(OUTAGE_MS / 1000) + 20);
  const token = service.tokenFor(users[0]!.id);
  const logins = new Logins(service);
  let nextSchedule = 0;
  const hold = () => timed(service, 'POST', `/schedules/${schedules[nextSchedule++]}/hold`, token);

  // Everyone but the stranger logs in once, so the cache knows them.
  for (const u of users) t.is((await logins.attempt(u.email)).status, 200);
  t.is((await hold()).status, 200);

  let loading = true;
  const load = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; loading; i += 1) {
      await logins.attempt(users[(w * 5 + i) % users.length]!.email, i % 7 === 3 ? 'not-the-password' : PASSWORD);
      await pause(10);
    }
  });
  await pause(300);

  proxy.cut();
  const cutAt = Date.now();
  let okBefore = logins.counts.ok;
  let probes = 0;
  do {
    const held = await hold();
    t.like(held, { status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    t.true(held.ms < FAST_MS, `hold answered in ${held.ms} ms`);
    const ready = await timed(service, 'GET', '/readyz');
    t.like(ready, { status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    t.true(ready.ms < FAST_MS, `readyz answered in ${ready.ms} ms`);
    const cached = await logins.attempt(users[1]!.email);
    t.is(cached.status, 200, 'a user who logged in recently still can');
    const unknown = await logins.attempt(stranger.email);
    t.like(unknown, { status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    t.true(unknown.ms < FAST_MS, `an uncached login answered in ${unknown.ms} ms`);
    probes += 1;
    await pause(Math.max(0, Math.min(2_000, cutAt + OUTAGE_MS - Date.now())));
  } while (Date.now() - cutAt < OUTAGE_MS);
  const during = service.actors.history.stats();
  t.true(logins.counts.ok > okBefore + probes, 'the load kept logging in');
  t.true(during.failing > 0 && during.buffered > 0, 'history kept its rows while the database was away');

  proxy.restore();
  await eventually(t, '/readyz back to 200', async () => (await timed(service, 'GET', '/readyz')).status === 200);
  const again = await hold();
  t.is(again.status, 200, 'holds work again without a restart');
  t.is((await logins.attempt(stranger.email)).status, 200, 'uncached users can log in again');
  okBefore = logins.counts.ok;
  await pause(300);
  loading = false;
  await Promise.all(load);
  t.true(logins.counts.ok > okBefore, 'logins go on after recovery');

  await service.actors.history.flush({ timeoutMs: 30_000 });
  t.deepEqual(logins.unexpected, []);
  const written = await countHistory([...users.map((u) => u.email), stranger.email]);
  t.deepEqual(written, { rows: logins.attempts, successes: logins.counts.ok }, 'every attempt has exactly one history row');
  t.like(service.actors.history.stats(), { buffered: 0, spilledRows: 0, failing: 0 });
  t.log(`${logins.attempts} login attempts (${logins.counts.ok} ok, ${logins.counts.wrong} wrong password, ${logins.counts.unavailable} unavailable), ${probes} probe rounds during the cut`);
  await close();
});

test.serial('with HISTORY_BUFFER_MAX tiny and PostgreSQL cut, login history spills to a file and is replayed exactly once', async (t) => {
  t.timeout(90_000);
  const { proxy, service, dataDir, close } = await startBehindProxy({ HISTORY_BUFFER_MAX: '25', HISTORY_BATCH_SIZE: '10', HISTORY_FLUSH_MS: '100' });
  const users = await cheapUsers(tdb.db, 10, 'outage');
  const logins = new Logins(service);
  for (const u of users) t.is((await logins.attempt(u.email)).status, 200);
  await service.actors.history.flush();

  proxy.cut();
  for (let i = 0; i < 300; i += 1) await logins.attempt(users[i % users.length]!.email, i % 4 === 0 ? 'not-the-password' : PASSWORD);
  const cut = service.actors.history.stats();
  t.true(cut.buffered <= 25, `memory stays bounded (${cut.buffered} rows)`);
  t.true(cut.spilledRows >= 300 - 25, `${cut.spilledRows} rows spilled`);
  t.true(readdirSync(dataDir).includes('history-spill.ndjson'));

  proxy.restore();
  await service.actors.history.flush({ timeoutMs: 30_000 });
  t.deepEqual(logins.unexpected, []);
  t.is(logins.attempts, 310);
  t.deepEqual(await countHistory(users.map((u) => u.email)), { rows: 310, successes: logins.counts.ok });
  t.like(service.actors.history.stats(), { buffered: 0, spilledRows: 0 });
  t.deepEqual(
    readdirSync(dataDir).filter((f) => f.startsWith('history-spill')),
    [],
  );
  await close();
});
