import test from 'ava';
import { signToken } from '../src/http/auth/jwt.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { cheapUsers, makeSchedules, TEST_PASSWORD } from './helpers/fixtures.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { startTcpProxy, type ProxyMode, type TcpProxy } from './helpers/tcp-proxy.js';
import { startInstance, type Instance } from './fixtures/instance.js';

/**
 * One real instance (`src/main.ts`) reaching PostgreSQL through a proxy that refuses, resets or
 * stalls (no RST, no answer) for FAULT_MS. Whatever the failure: every answer that needs the
 * database is 503 DATABASE_UNAVAILABLE within the query timeout plus the acquire timeout, never
 * 500; recently seen users still log in; no actor crash is logged; and each outage is two log
 * lines, one when it starts and one when it ends with its count of failures.
 */
const QUERY_TIMEOUT_MS = 1_000;
const FAST_MS = QUERY_TIMEOUT_MS + 1_500;
const FAULT_MS = 3_000;
/** At most this many rounds of requests per fault, a round each 50 ms. */
const ROUNDS = 60;
const MODES: Exclude<ProxyMode, 'forward'>[] = ['refuse', 'reset', 'hang'];

let database: TestDatabase;
let proxy: TcpProxy;
let instance: Instance;

test.before(async () => {
  database = await createTestDatabase(5);
  proxy = await startTcpProxy();
  // One user holds a schedule per round: this test is about outages, not the per-user caps.
  instance = await startInstance({
    DATABASE_URL: proxy.urlFor(database.url),
    DATABASE_POOL_MAX: '5',
    DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    JWT_SECRET: TEST_JWT_SECRET,
    MAX_ACTIVE_HOLDS_PER_USER: '100000',
    HOLDS_PER_USER_PER_MINUTE: '100000',
  });
});

test.after.always(async () => {
  await instance?.stop();
  await proxy?.close();
  await database?.drop();
});

async function call(method: string, path: string, init: { token?: string; body?: unknown } = {}) {
  const started = Date.now();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(instance.url + path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.serial('refused, reset and stalled connections all answer 503 fast, crash nothing, and log each outage twice', async (t) => {
  t.timeout(90_000);
  const [known, stranger] = (await cheapUsers(database.db, 2, 'modes')) as [{ id: number; email: string }, { id: number; email: string }];
  const schedules = await makeSchedules(database.db, MODES.length * (ROUNDS + 2));
  const token = signToken({ sub: known.id, role: 'USER' }, TEST_JWT_SECRET, 3600);
  let next = 0;
  t.is((await call('POST', '/auth/login', { body: { email: known.email, password: TEST_PASSWORD } })).status, 200);

  for (const mode of MODES) {
    const warm = schedules[next++]!;
    t.is((await call('POST', `/schedules/${warm}/hold`, { token })).status, 200, `${mode}: a hold before the fault`);
    proxy[mode]();
    const until = Date.now() + FAULT_MS;
    const answers: { what: string; status: number; code?: string; ms: number }[] = [];
    const note = (what: string, r: { status: number; body: any; ms: number }) => answers.push({ what, status: r.status, code: r.body?.code, ms: r.ms });
    for (let round = 0; round < ROUNDS && Date.now() < until; round += 1) {
      await Promise.all([
        call('POST', `/schedules/${schedules[next++]!}/hold`, { token }).then((r) => note('hold new', r)),
        call('POST', '/reservations', { token, body: { scheduleId: warm, participants: 2 } }).then((r) => note('reserve', r)),
        call('GET', `/themes`).then((r) => note('themes', r)),
        call('POST', '/auth/login', { body: { email: known.email, password: TEST_PASSWORD } }).then((r) => note('login cached', r)),
        call('POST', '/auth/login', { body: { email: stranger.email, password: TEST_PASSWORD } }).then((r) => note('login stranger', r)),
        pause(50),
      ]);
    }
    proxy.restore();
    const bad = answers.filter((a) => (a.what === 'login cached' ? a.status !== 200 : a.status !== 503 || a.code !== 'DATABASE_UNAVAILABLE'));
    t.deepEqual(bad.slice(0, 5), [], `${mode}: ${bad.length} of ${answers.length} answers were not the expected 503 (or 200 for a cached login)`);
    const slowest = Math.max(...answers.map((a) => a.ms));
    t.true(slowest < FAST_MS, `${mode}: slowest answer ${slowest} ms`);
    t.log(`${mode}: ${answers.length} answers during the fault, slowest ${slowest} ms`);

    // Recovery: nothing announces it, so poll readiness.
    const deadline = Date.now() + 15_000;
    while ((await call('GET', '/readyz')).status !== 200 && Date.now() < deadline) await pause(100);
    t.is((await call('POST', `/schedules/${schedules[next++]!}/hold`, { token })).status, 200, `${mode}: holds work again`);
  }

  // The history flush or the hold after recovery is the statement that succeeds and ends each outage.
  const lines = instance.lines;
  const gone = lines.filter((l) => l.msg === 'database unavailable; answering 503 until it is back');
  const back = lines.filter((l) => l.msg === 'database reachable again');
  t.is(gone.length, MODES.length, 'one line per outage when it starts');
  t.is(back.length, MODES.length, 'one line per outage when it ends');
  t.true(back.every((l) => typeof l.failures === 'number' && l.failures > 0 && typeof l.downMs === 'number'));
  t.deepEqual(
    lines.filter((l) => /crashed|request failed/.test(String(l.msg))).map((l) => l.msg),
    [],
  );
  const loud = lines.filter((l) => Number(l.level) >= 40);
  const byMsg = new Map<string, number>();
  for (const l of loud) byMsg.set(String(l.msg).slice(0, 80), (byMsg.get(String(l.msg).slice(0, 80)) ?? 0) + 1);
  t.log(JSON.stringify([...byMsg]));
  t.true(loud.length <= 15 * MODES.length, `${loud.length} warn/error lines for ${MODES.length} outages`);
});
