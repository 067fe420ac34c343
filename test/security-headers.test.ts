import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;
let token: string;
let scheduleId: number;

test.before(async () => {
  database = await createTestDatabase(4);
  service = await startTestService(database.db, { ALLOWED_ORIGINS: 'https://app.example' });
  const [userId] = await makeUsers(database.db, 1);
  token = service.tokenFor(userId!);
  scheduleId = await makeSchedule(database.db);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const SECURITY = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

test('every kind of answer carries the security headers and no-store', async (t) => {
  const answers = [
    await service.request('GET', '/healthz'),
    await service.request('GET', '/themes'),
    await service.request('GET', '/no/such/route'),
    await service.request('GET', '/auth/me'),
    await service.request('POST', `/schedules/${scheduleId}/hold`, { token }),
    await service.request('POST', '/reservations', { token, rawBody: '{', headers: { 'content-type': 'application/json' } }),
    await service.request('GET', '/openapi.json'),
  ];
  for (const a of answers) {
    for (const [name, value] of Object.entries(SECURITY)) t.is(a.headers.get(name), value, `${name} on a ${a.status}`);
    t.regex(a.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    t.is(a.headers.get('cache-control'), 'no-store');
    t.is(a.headers.get('strict-transport-security'), null, 'no HSTS unless HSTS=1');
  }
});

test('HSTS is sent when configured', async (t) => {
  const tls = await startTestService(database.db, { HSTS: '1' });
  try {
    t.regex((await tls.request('GET', '/healthz')).headers.get('strict-transport-security') ?? '', /max-age=\d+/);
  } finally {
    await tls.close();
  }
});

test('/metrics: open in development, a bearer token with METRICS_TOKEN, closed in production without one', async (t) => {
  const scrape = async (s: TestService, authorization?: string) => (await fetch(`${s.url}/metrics`, { headers: authorization ? { authorization } : {} })).status;
  t.is(await scrape(service), 200);
  const guarded = await startTestService(database.db, { METRICS_TOKEN: 'metrics-token-0123456789' });
  const production = await startTestService(database.db, { NODE_ENV: 'production' });
  try {
    t.is(await scrape(guarded), 401);
    t.is(await scrape(guarded, 'Bearer wrong-token-0123456789'), 401);
    t.is(await scrape(guarded, 'Bearer metrics-token-0123456789'), 200);
    t.is(await scrape(production), 403);
  } finally {
    await guarded.close();
    await production.close();
  }
});

test('a write with the login cookie must come from the service or an allowed origin', async (t) => {
  const [userId] = await makeUsers(database.db, 1);
  const email = (await database.db('users').where({ id: userId }).first()).email;
  const login = await fetch(`${service.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: TEST_PASSWORD }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  t.regex(login.headers.get('set-cookie')!, /HttpOnly/i);
  t.regex(login.headers.get('set-cookie')!, /SameSite=Lax/i);
  const holdWith = async (origin?: string) => {
    const id = await makeSchedule(database.db);
    const res = await fetch(`${service.url}/schedules/${id}/hold`, { method: 'POST', headers: { cookie, ...(origin && { origin }) } });
    return { status: res.status, body: (await res.json()) as { code?: string }, id };
  };
  const evil = await holdWith('https://evil.example');
  t.is(evil.status, 403);
  t.is(evil.body.code, 'ORIGIN_REFUSED');
  t.is((await database.db('schedules').where({ id: evil.id }).first()).status, 'AVAILABLE');
  t.is((await holdWith('https://app.example')).status, 200);
  t.is((await holdWith(service.url)).status, 200);
  const reads = await fetch(`${service.url}/reservations/mine`, { headers: { cookie, origin: 'https://evil.example' } });
  t.is(reads.status, 200, 'reads are not writes');
});
