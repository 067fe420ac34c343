import test from 'ava';
import { loadConfig } from '../src/config.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

const APP = 'https://app.example';
let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase(4);
  service = await startTestService(database.db, { CORS_ORIGINS: `${APP}, http://localhost:5173` });
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const get = (s: TestService, path: string, headers: Record<string, string>) => fetch(`${s.url}${path}`, { headers });

test('a listed origin gets its own origin back, with credentials, on answers and errors alike', async (t) => {
  for (const path of ['/themes', '/no/such/route', '/auth/me']) {
    const res = await get(service, path, { origin: APP });
    t.is(res.headers.get('access-control-allow-origin'), APP, path);
    t.is(res.headers.get('access-control-allow-credentials'), 'true', path);
    t.regex(res.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
    t.regex(res.headers.get('vary') ?? '', /Origin/);
  }
  t.is((await get(service, '/themes', { origin: 'http://localhost:5173' })).headers.get('access-control-allow-origin'), 'http://localhost:5173');
});

test('an unlisted origin gets no CORS headers at all, never a wildcard', async (t) => {
  for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null']) {
    const res = await get(service, '/themes', { origin });
    t.is(res.status, 200, 'the answer itself is unchanged; the browser withholds it');
    t.is(res.headers.get('access-control-allow-origin'), null, origin);
    t.is(res.headers.get('access-control-allow-credentials'), null, origin);
  }
});

test('a preflight from a listed origin is answered; from another, it grants nothing', async (t) => {
  const preflight = (origin: string) =>
    fetch(`${service.url}/reservations`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' } });
  const ok = await preflight(APP);
  t.is(ok.status, 204);
  t.is(ok.headers.get('access-control-allow-origin'), APP);
  t.is(ok.headers.get('access-control-allow-credentials'), 'true');
  t.regex(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
  t.regex(ok.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/i);
  const refused = await preflight('https://evil.example');
  t.is(refused.headers.get('access-control-allow-origin'), null);
  t.is(refused.headers.get('access-control-allow-methods'), null);
});

test('a listed origin may write with the login cookie; others are still refused', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const email = (await database.db('users').where({ id: userId }).first()).email;
  const login = await fetch(`${service.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: APP }, body: JSON.stringify({ email, password: TEST_PASSWORD }) });
  t.is(login.status, 200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const holdFrom = async (origin: string) => {
    const id = await makeSchedule(database.db);
    const res = await fetch(`${service.url}/schedules/${id}/hold`, { method: 'POST', headers: { cookie, origin } });
    return { status: res.status, row: await database.db('schedules').where({ id }).first() };
  };
  const listed = await holdFrom(APP);
  t.is(listed.status, 200);
  t.is(listed.row.status, 'HOLD');
  const other = await holdFrom('https://evil.example');
  t.is(other.status, 403);
  t.is(other.row.status, 'AVAILABLE');
});

test('without CORS_ORIGINS no origin gets CORS headers', async (t) => {
  const plain = await startTestService(database.db);
  try {
    const res = await get(plain, '/themes', { origin: APP });
    t.is(res.headers.get('access-control-allow-origin'), null);
  } finally {
    await plain.close();
  }
});

test('CORS_ORIGINS must list origins, not URLs with paths or wildcards', (t) => {
  for (const bad of ['*', 'https://app.example/', 'https://app.example/path', 'app.example', 'ftp://app.example']) {
    t.throws(() => loadConfig({ CORS_ORIGINS: bad }), { message: /CORS_ORIGINS/ }, bad);
  }
  t.deepEqual(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins, ['https://a.example', 'http://localhost:5173']);
});
