import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { eventually } from './helpers/booking.js';
import { cheapUsers, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { dropRedisKeys, REDIS_URL, uniquePrefix } from './fixtures/instance.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

let database: TestDatabase;
const services: TestService[] = [];

test.before(async () => {
  database = await createTestDatabase(8);
});

test.after.always(async () => {
  await Promise.all(services.map((s) => s.close()));
  await database?.drop();
});

async function service(env: Record<string, string>): Promise<TestService> {
  const s = await startTestService(database.db, env);
  services.push(s);
  return s;
}

const login = (s: TestService, email: string, password: string) => s.request('POST', '/auth/login', { body: { email, password } });

// The hash queue's bound is one per process and set by the newest service: these tests run one at a time.
test.serial('failed logins for one account from one address: 429 with Retry-After past the limit, allowed again after the window', async (t) => {
  const s = await service({ LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_FAILURE_WINDOW_SECONDS: '2' });
  const [user] = await cheapUsers(database.db, 1, 'throttle-account');
  for (let i = 0; i < 3; i += 1) t.is((await login(s, user!.email, 'wrong-password')).status, 401);
  const refused = await login(s, user!.email, TEST_PASSWORD);
  t.is(refused.status, 429, 'even the right password waits out the window');
  t.is(refused.body.code, 'TOO_MANY_ATTEMPTS');
  const retryAfter = Number(refused.headers.get('retry-after'));
  t.true(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
  t.is(refused.body.retryAfterSeconds, retryAfter);
  // No password was checked for the refused attempt: the history has the three failures only.
  await s.actors.history.flush();
  t.is(Number((await database.db('login_history').where({ email: user!.email }).count({ n: '*' }))[0]!.n), 3);

  await eventually(async () => (await login(s, user!.email, TEST_PASSWORD)).status === 200, 4_000, 250);
  t.pass();
});

test.serial('failed logins from one address over many accounts are limited per address', async (t) => {
  const s = await service({ LOGIN_FAILURES_PER_ADDRESS: '5' });
  const users = await cheapUsers(database.db, 6, 'throttle-address');
  for (const u of users.slice(0, 5)) t.is((await login(s, u.email, 'wrong-password')).status, 401);
  const refused = await login(s, users[5]!.email, TEST_PASSWORD);
  t.is(refused.status, 429);
  t.truthy(refused.headers.get('retry-after'));
});

test.serial('a refused login is answered after LOGIN_REFUSAL_DELAY_MS, so a guesser that does not wait makes one attempt a delay per connection', async (t) => {
  const s = await service({ LOGIN_FAILURES_PER_ACCOUNT: '1', LOGIN_REFUSAL_DELAY_MS: '600' });
  const [user] = await cheapUsers(database.db, 1, 'throttle-delay');
  t.is((await login(s, user!.email, 'wrong-password')).status, 401);
  const started = performance.now();
  const refused = await login(s, user!.email, 'wrong-password');
  const tookMs = performance.now() - started;
  t.is(refused.status, 429);
  t.true(tookMs >= 590, `answered after ${tookMs.toFixed(0)} ms`);
  // The wait holds no one else: a request sent after the next refused attempt is answered before it.
  const order: string[] = [];
  const refusedAgain = login(s, user!.email, 'wrong-password').then((r) => order.push(`login ${r.status}`));
  await s.request('GET', '/healthz').then((r) => order.push(`healthz ${r.status}`));
  await refusedAgain;
  t.deepEqual(order, ['healthz 200', 'login 429']);
});

test.serial('with Redis, two instances share the counters', async (t) => {
  const prefix = uniquePrefix('throttle');
  const env = { REDIS_URL, QUEUE_PREFIX: prefix, LOGIN_FAILURES_PER_ACCOUNT: '3' };
  const [a, b] = [await service(env), await service(env)];
  const [user] = await cheapUsers(database.db, 1, 'throttle-shared');
  t.is((await login(a, user!.email, 'wrong-password')).status, 401);
  t.is((await login(b, user!.email, 'wrong-password')).status, 401);
  t.is((await login(a, user!.email, 'wrong-password')).status, 401);
  t.is((await login(b, user!.email, TEST_PASSWORD)).status, 429, 'the other instance counted all three');
  t.is((await login(a, user!.email, TEST_PASSWORD)).status, 429);
  await dropRedisKeys(prefix);
});

test.serial('signups are limited per address, and an email found taken counts as a failed guess', async (t) => {
  const s = await service({ SIGNUPS_PER_ADDRESS: '3', LOGIN_FAILURES_PER_ADDRESS: '2' });
  const [taken] = await cheapUsers(database.db, 1, 'throttle-signup');
  const signup = (email: string) => s.request('POST', '/auth/signup', { body: { email, password: 'password-12345', name: 'N' } });
  t.is((await signup(taken!.email)).status, 409);
  t.is((await signup(taken!.email)).status, 409);
  // Two emails found taken: this address may not ask again, nor guess a password.
  const asked = await signup(`new-${Date.now()}@test.local`);
  t.is(asked.status, 429);
  t.is((await login(s, taken!.email, TEST_PASSWORD)).status, 429);

  const fresh = await service({ SIGNUPS_PER_ADDRESS: '2' });
  const made = (i: number) => fresh.request('POST', '/auth/signup', { body: { email: `s${i}-${Date.now()}@test.local`, password: 'password-12345', name: 'N' } });
  t.is((await made(1)).status, 201);
  t.is((await made(2)).status, 201);
  const third = await made(3);
  t.is(third.status, 429);
  t.is(third.body.code, 'TOO_MANY_ATTEMPTS');
});

test.serial('past the bound of the password-hash queue, a login is refused at once with 503 and Retry-After', async (t) => {
  const s = await service({ LOGIN_QUEUE_MAX: '2' });
  // Production-cost hashes, so that logins arriving together really wait for one another.
  const ids = await makeUsers(database.db, 60);
  const emails = (await database.db('users').whereIn('id', ids).select('email')).map((r: { email: string }) => r.email);
  const answers = await Promise.all(emails.map((email) => login(s, email, TEST_PASSWORD)));
  const busy = answers.filter((a) => a.status === 503);
  t.true(busy.length > 0, 'some logins were shed');
  t.true(answers.filter((a) => a.status === 200).length >= 10, 'the running and waiting ones were served');
  t.deepEqual([...new Set(answers.map((a) => a.status))].sort(), [200, 503]);
  for (const a of busy) {
    t.is(a.body.code, 'TOO_BUSY');
    t.true(Number(a.headers.get('retry-after')) >= 1);
  }
});

test.serial('guesses arriving at once are counted before their hash: past the limit they are refused without being checked', async (t) => {
  const s = await service({ LOGIN_FAILURES_PER_ACCOUNT: '5' });
  const [user] = await cheapUsers(database.db, 1, 'throttle-burst');
  const answers = await Promise.all(Array.from({ length: 50 }, () => login(s, user!.email, 'wrong-password')));
  t.is(answers.filter((a) => a.status === 401).length, 5);
  t.is(answers.filter((a) => a.status === 429).length, 45);
  await s.actors.history.flush();
  t.is(Number((await database.db('login_history').where({ email: user!.email }).count({ n: '*' }))[0]!.n), 5, 'only the checked ones were recorded');
});

test.serial('with Redis stalled or gone, logins are still answered at once and counted in memory', async (t) => {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
  try {
    const s = await service({ REDIS_URL: proxy.urlFor('redis://127.0.0.1:6379'), QUEUE_PREFIX: uniquePrefix('throttle-outage'), LOGIN_FAILURES_PER_ACCOUNT: '2' });
    const [user] = await cheapUsers(database.db, 1, 'throttle-outage');
    t.is((await login(s, user!.email, TEST_PASSWORD)).status, 200);
    for (const fault of ['hang', 'refuse'] as const) {
      proxy[fault]();
      const started = Date.now();
      t.is((await login(s, user!.email, TEST_PASSWORD)).status, 200, `a right password, Redis ${fault}`);
      t.true(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms with Redis ${fault}`);
      proxy.restore();
    }
    proxy.hang();
    t.is((await login(s, user!.email, 'wrong-password')).status, 401);
    t.is((await login(s, user!.email, 'wrong-password')).status, 401);
    t.is((await login(s, user!.email, TEST_PASSWORD)).status, 429, 'the memory fallback counts the guesses');
    proxy.restore();
  } finally {
    await proxy.close();
  }
});

test.serial('many people signing in at once from one address are not refused for being many', async (t) => {
  const s = await service({ LOGIN_FAILURES_PER_ADDRESS: '5' });
  const users = await cheapUsers(database.db, 30, 'throttle-office');
  const answers = await Promise.all(users.map((u) => login(s, u.email, TEST_PASSWORD)));
  t.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
});
