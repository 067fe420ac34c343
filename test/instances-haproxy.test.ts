import test from 'ava';
import { signToken } from '../src/http/auth/jwt.js';
import { eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { startHaproxy, type Balancer } from './fixtures/haproxy.js';
import { dropRedisKeys, REDIS_URL, startInstance, uniquePrefix, type Instance } from './fixtures/instance.js';

// Three real processes on one PostgreSQL and one Redis, behind Debian's haproxy on loopback:
// what the compose file runs. Every request below goes through the balancer unless it asks one
// instance directly.
const prefix = uniquePrefix('haproxy');
let database: TestDatabase;
const instances: Instance[] = [];
let balancer: Balancer | undefined;

test.before(async () => {
  database = await createTestDatabase(6);
  const env = { DATABASE_URL: database.url, REDIS_URL, QUEUE_PREFIX: prefix, JWT_SECRET: TEST_JWT_SECRET, DATABASE_POOL_MAX: '5', TRUST_PROXY: '1', HOLDS_PER_USER_PER_MINUTE: '1000' };
  // The first migrates the fresh database; the other two then start side by side.
  instances.push(await startInstance(env, 50_000));
  const started = await Promise.allSettled([startInstance(env, 50_000), startInstance(env, 50_000)]);
  instances.push(...started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  balancer = await startHaproxy(instances.map((i) => i.url));
});

test.after.always(async () => {
  await balancer?.stop();
  await Promise.allSettled(instances.map((i) => i.stop()));
  await database?.drop();
  await dropRedisKeys(prefix);
});

const tokenFor = (userId: number) => signToken({ sub: userId, role: 'USER' }, TEST_JWT_SECRET, 3600);

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, servedBy: res.headers.get('x-served-by') };
}

test.serial('hot holds through the balancer: exactly one winner per schedule, whichever instance answered', async (t) => {
  t.timeout(60_000);
  const schedules = await Promise.all(Array.from({ length: 4 }, () => makeSchedule(database.db)));
  const users = await makeUsers(database.db, schedules.length * 15);
  const answers = await Promise.all(
    schedules.flatMap((scheduleId, s) =>
      users.slice(s * 15, (s + 1) * 15).map(async (userId) => ({ scheduleId, userId, ...(await call(balancer!.url, 'POST', `/schedules/${scheduleId}/hold`, tokenFor(userId))) })),
    ),
  );
  const spread = new Set(answers.map((a) => a.servedBy));
  t.log(`answered by ${[...spread].join(', ')}`);
  // Round robin spreads them; a server the health check just marked slow may sit one burst out.
  t.true(spread.size >= 2 && [...spread].every((s) => /^s[0-2]$/.test(String(s))), `served by ${[...spread].join(', ')}`);
  for (const scheduleId of schedules) {
    const mine = answers.filter((a) => a.scheduleId === scheduleId);
    const winners = mine.filter((a) => a.status === 200);
    t.is(winners.length, 1, `schedule ${scheduleId}: ${JSON.stringify(mine.map((a) => [a.servedBy, a.status]))}`);
    t.deepEqual(new Set(mine.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body?.code}`)), new Set(['409 SCHEDULE_NOT_AVAILABLE']));
    const row = await database.db('schedules').where({ id: scheduleId }).first();
    t.is(row.status, 'HOLD');
    t.is(row.held_by, winners[0]!.userId, 'the row names the one winner');
  }
});

test.serial('a hold made on one instance is seen, released and re-held on the others', async (t) => {
  t.timeout(30_000);
  const scheduleId = await makeSchedule(database.db);
  const [holder, other] = (await makeUsers(database.db, 2)) as [number, number];
  const [a, b, c] = instances.map((i) => i.url) as [string, string, string];
  t.is((await call(a, 'POST', `/schedules/${scheduleId}/hold`, tokenFor(holder))).status, 200);
  for (const url of [b, c]) {
    t.like(await call(url, 'POST', `/schedules/${scheduleId}/hold`, tokenFor(other)), { status: 409, body: { code: 'SCHEDULE_NOT_AVAILABLE' } }, url);
    // A read may come from another instance's memory for up to ACTOR_STALE_MS; it converges.
    await eventually(async () => (await call(url, 'GET', `/schedules/${scheduleId}`)).body?.status === 'HOLD', 5_000);
  }
  t.is((await call(b, 'DELETE', `/schedules/${scheduleId}/hold`, tokenFor(holder))).status, 204, 'released on another instance');
  // The third may answer a losing hold from memory for up to ACTOR_STALE_MS (1 s) before it re-reads the row.
  await eventually(async () => (await call(c, 'POST', `/schedules/${scheduleId}/hold`, tokenFor(other))).status === 200, 5_000);
  t.is((await database.db('schedules').where({ id: scheduleId }).first()).held_by, other);
});

test.serial('logout through the balancer ends the session on every instance', async (t) => {
  t.timeout(30_000);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const email = (await database.db('users').where({ id: userId }).first()).email as string;
  const login = await call(balancer!.url, 'POST', '/auth/login', undefined, { email, password: TEST_PASSWORD });
  t.is(login.status, 200);
  const token = login.body!.token as string;
  for (const instance of instances) t.is((await call(instance.url, 'GET', '/auth/me', token)).status, 200);
  t.is((await call(balancer!.url, 'POST', '/auth/logout', token)).status, 204);
  // Other instances read revocations every SESSION_SYNC_MS (1 s).
  await eventually(async () => (await Promise.all(instances.map((i) => call(i.url, 'GET', '/auth/me', token)))).every((r) => r.status === 401), 5_000);
  const through = await Promise.all([1, 2, 3].map(() => call(balancer!.url, 'GET', '/auth/me', token)));
  t.deepEqual(
    through.map((r) => r.status),
    [401, 401, 401],
  );
});
