import http from 'node:http';
import test, { type ExecutionContext } from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;
let tokens: { user: string; admin: string };
let themeId: number;

test.before(async () => {
  database = await createTestDatabase();
  service = await startTestService(database.db);
  const [userId] = await makeUsers(database.db, 1);
  const [adminId] = await makeUsers(database.db, 1, 'ADMIN');
  tokens = { user: service.tokenFor(userId!), admin: service.tokenFor(adminId!, 'ADMIN') };
  themeId = await makeTheme(database.db);
  await makeSchedule(database.db, { themeId });
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

/** Row counts of every table a request could write, and how many schedules are in each status. */
async function snapshot() {
  await service.actors.history.flush();
  const tables = ['users', 'login_history', 'stores', 'themes', 'schedules', 'reservations', 'payments'];
  const counts = await Promise.all(tables.map(async (table) => [table, Number((await database.db(table).count({ n: '*' }))[0]!.n)]));
  const statuses = await database.db('schedules').select('status', database.db.raw('count(*)::int AS n'), database.db.raw('sum(version)::int AS v')).groupBy('status').orderBy('status');
  return { counts, statuses };
}

/** Every error is exactly {code, message}: an UPPER_SNAKE code, and nothing that looks like a stack trace. */
function assertErrorBody(t: ExecutionContext, body: unknown) {
  t.deepEqual(Object.keys(body as object).sort(), ['code', 'message']);
  const { code, message } = body as { code: unknown; message: unknown };
  t.regex(String(code), /^[A-Z]+(?:_[A-Z]+)*$/);
  t.is(typeof message, 'string');
  t.notRegex(String(message), /\n\s*at |node_modules|\.[jt]s:\d+|SELECT |INSERT /);
}

interface Case {
  method: string;
  path: string;
  as?: 'user' | 'admin';
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  status: number;
  code: string;
  /** A field the message must name. */
  mentions?: string;
}

/** One request that must be refused. Serial, so the snapshots around it see no other test's writes. */
function rejects(label: string, c: Case) {
  test.serial(`${c.method} ${c.path}: with ${label} answers ${c.status} ${c.code} and writes nothing`, async (t) => {
    const before = await snapshot();
    const headers: Record<string, string> = c.contentType ? { 'content-type': c.contentType } : {};
    const body = c.body === undefined ? undefined : JSON.parse(JSON.stringify(c.body).replaceAll('":theme"', String(themeId)));
    const res = await service.request(c.method, c.path.replace(':theme', String(themeId)), { token: c.as && tokens[c.as], body, rawBody: c.rawBody, headers });

    t.is(res.status, c.status, JSON.stringify(res.body));
    assertErrorBody(t, res.body);
    t.is(res.body.code, c.code);
    if (c.mentions) t.true(res.body.message.includes(c.mentions), res.body.message);
    t.deepEqual(await snapshot(), before);
  });
}

const JSON_TYPE = 'application/json';
const signup = { email: 'valid@test.local', password: 'password-1234', name: 'Valid Name' };
const theme = { storeId: 1, name: 'Room', price: 20000, durationMinutes: 60, minPlayers: 2, maxPlayers: 4, difficulty: 3 };
const bulk = { themeId: ':theme', from: '2030-01-01', to: '2030-01-02', startTimes: ['10:00'] };
const huge = 'x'.repeat(100_000);

const bad = (status: number, code: string, mentions?: string) => ({ status, code, mentions });
const invalid = (mentions?: string) => bad(400, 'INVALID_REQUEST', mentions);

// Malformed JSON.
rejects('a truncated JSON body', { method: 'POST', path: '/auth/signup', rawBody: '{"email": "a@b.cd",', contentType: JSON_TYPE, ...invalid() });
rejects('single-quoted pseudo-JSON', { method: 'POST', path: '/auth/login', rawBody: "{'email': 'a@b.cd'}", contentType: JSON_TYPE, ...invalid() });
rejects('an unterminated JSON object', { method: 'POST', path: '/reservations', as: 'user', rawBody: '{"scheduleId": 1, "participants": 2', contentType: JSON_TYPE, ...invalid() });
rejects('a form body labelled as JSON', { method: 'POST', path: '/admin/stores', as: 'admin', rawBody: 'name=x&address=y', contentType: JSON_TYPE, ...invalid() });
rejects('a blank JSON body', { method: 'POST', path: '/auth/signup', rawBody: '   ', contentType: JSON_TYPE, ...invalid() });

// Wrong types.
rejects('a numeric email', { method: 'POST', path: '/auth/signup', body: { ...signup, email: 42 }, ...invalid('email') });
rejects('a numeric password', { method: 'POST', path: '/auth/signup', body: { ...signup, password: 12345678 }, ...invalid('password') });
rejects('an array as email', { method: 'POST', path: '/auth/login', body: { email: ['a@b.cd'], password: 'x' }, ...invalid('email') });
rejects('a non-numeric scheduleId', { method: 'POST', path: '/reservations', as: 'user', body: { scheduleId: 'abc', participants: 2 }, ...invalid('scheduleId') });
rejects('participants as a string', { method: 'POST', path: '/reservations', as: 'user', body: { scheduleId: 1, participants: '2' }, ...invalid('participants') });
rejects('fractional participants', { method: 'POST', path: '/reservations', as: 'user', body: { scheduleId: 1, participants: 2.5 }, ...invalid('participants') });
rejects('participants of 1e400', { method: 'POST', path: '/reservations', as: 'user', rawBody: '{"scheduleId": 1, "participants": 1e400}', contentType: JSON_TYPE, ...invalid('participants') });
rejects('a price as a string', { method: 'POST', path: '/admin/themes', as: 'admin', body: { ...theme, price: '20000' }, ...invalid('price') });
rejects('startTimes as a string', { method: 'POST', path: '/admin/schedules', as: 'admin', body: { ...bulk, startTimes: '10:00' }, ...invalid('startTimes') });
rejects('a start time of 25:00', { method: 'POST', path: '/admin/schedules', as: 'admin', body: { ...bulk, startTimes: ['25:00'] }, ...invalid('startTimes') });

// Bodies that are not objects.
rejects('an empty array as body', { method: 'POST', path: '/auth/signup', body: [], ...invalid('body') });
rejects('the object wrapped in an array', { method: 'POST', path: '/auth/signup', body: [signup], ...invalid('body') });
rejects('a JSON null body', { method: 'POST', path: '/auth/signup', rawBody: 'null', contentType: JSON_TYPE, ...invalid('body') });
rejects('a JSON string body', { method: 'POST', path: '/auth/signup', rawBody: '"hello"', contentType: JSON_TYPE, ...invalid('body') });
rejects('a JSON number body', { method: 'POST', path: '/auth/login', rawBody: '42', contentType: JSON_TYPE, ...invalid('body') });
rejects('a JSON null reservation', { method: 'POST', path: '/reservations', as: 'user', rawBody: 'null', contentType: JSON_TYPE, ...invalid('body') });
rejects('no body at all', { method: 'POST', path: '/admin/stores', as: 'admin', ...invalid('body') });

// Unknown extra fields.
rejects('an extra role field', { method: 'POST', path: '/auth/signup', body: { ...signup, role: 'ADMIN' }, ...invalid('role') });
rejects('a __proto__ field', { method: 'POST', path: '/auth/signup', rawBody: JSON.stringify(signup).replace('}', ',"__proto__":{"role":"ADMIN"}}'), contentType: JSON_TYPE, ...invalid('__proto__') });
rejects('an extra userId field', { method: 'POST', path: '/reservations', as: 'user', body: { scheduleId: 1, participants: 2, userId: 1 }, ...invalid('userId') });
rejects('an extra id field', { method: 'POST', path: '/admin/stores', as: 'admin', body: { id: 5, name: 'Sneaky', address: 'Seoul' }, ...invalid('id') });
rejects('an unknown query parameter', { method: 'GET', path: '/themes?storeId=1&sort=name', ...invalid('sort') });

// Strings too long: past 16 KiB the whole body is refused, below it the field is.
rejects('a 100 000-character name', { method: 'POST', path: '/auth/signup', body: { ...signup, name: huge }, ...bad(413, 'PAYLOAD_TOO_LARGE') });
rejects('a 100 000-character password', { method: 'POST', path: '/auth/login', body: { email: signup.email, password: huge }, ...bad(413, 'PAYLOAD_TOO_LARGE') });
rejects('a 100 000-character address', { method: 'POST', path: '/admin/stores', as: 'admin', body: { name: 'Long', address: huge }, ...bad(413, 'PAYLOAD_TOO_LARGE') });
rejects('a 101-character name', { method: 'POST', path: '/auth/signup', body: { ...signup, name: 'n'.repeat(101) }, ...invalid('name') });
rejects('a 300-character email', { method: 'POST', path: '/auth/signup', body: { ...signup, email: `${'e'.repeat(290)}@test.local` }, ...invalid('email') });
rejects('a 129-character password', { method: 'POST', path: '/auth/signup', body: { ...signup, password: 'p'.repeat(129) }, ...invalid('password') });
rejects('a 2001-character description', { method: 'POST', path: '/admin/themes', as: 'admin', body: { ...theme, description: 'd'.repeat(2001) }, ...invalid('description') });

// Text PostgreSQL cannot store, and dates it cannot represent, are the client's mistake too.
rejects('a NUL character in the name', { method: 'POST', path: '/auth/signup', body: { ...signup, name: 'Nul\u0000Name' }, ...invalid('name') });
rejects('a NUL character in the store name', { method: 'POST', path: '/admin/stores', as: 'admin', body: { name: 'Nul\u0000Store', address: 'Seoul' }, ...invalid('name') });
rejects('a NUL character in the email', { method: 'POST', path: '/auth/login', body: { email: 'nul\u0000@test.local', password: 'whatever-1' }, ...invalid('email') });
rejects('the year 0000 as date', { method: 'GET', path: '/themes/:theme/schedules?date=0000-01-01', ...invalid('date') });
rejects('the year 0000 as the reservation date', { method: 'GET', path: '/admin/reservations?date=0000-01-01', as: 'admin', ...invalid('date') });
rejects('the year 0000 as from', { method: 'POST', path: '/admin/schedules', as: 'admin', body: { ...bulk, from: '0000-01-01', to: '0000-01-01' }, ...invalid('from') });

// Ids in paths and queries.
const BAD_IDS = ['-1', '0', 'abc', '1'.repeat(30), '1e3', '0x10', '1.5', '%20'];
const ID_ROUTES: Array<[string, string, Case['as']?]> = [
  ['GET', '/schedules/:id'],
  ['GET', '/themes/:id'],
  ['GET', '/themes/:id/schedules?date=2030-01-01'],
  ['POST', '/schedules/:id/hold', 'user'],
  ['GET', '/reservations/:id', 'user'],
  ['DELETE', '/admin/themes/:id', 'admin'],
  ['POST', '/admin/schedules/:id/block', 'admin'],
];
for (const [method, route, as] of ID_ROUTES) {
  for (const id of BAD_IDS) rejects(`the id ${id.length > 20 ? 'of 30 digits' : `"${id}"`}`, { method, path: route.replace(':id', id), as, ...invalid('id') });
}
for (const id of ['-1', '1e3', '0x10', '']) rejects(`storeId "${id}"`, { method: 'GET', path: `/themes?storeId=${id}`, ...invalid('storeId') });

// Content types.
rejects('a JSON body sent as text/plain', { method: 'POST', path: '/auth/signup', rawBody: JSON.stringify(signup), contentType: 'text/plain', ...bad(415, 'UNSUPPORTED_MEDIA_TYPE') });
rejects('a form-encoded body', { method: 'POST', path: '/auth/login', rawBody: 'email=a%40b.cd&password=x', contentType: 'application/x-www-form-urlencoded', ...bad(415, 'UNSUPPORTED_MEDIA_TYPE') });
rejects('an XML body', { method: 'POST', path: '/admin/stores', as: 'admin', rawBody: '<store><name>x</name></store>', contentType: 'application/xml', ...bad(415, 'UNSUPPORTED_MEDIA_TYPE') });

// Routes and methods.
for (const [method, path, as] of [
  ['GET', '/nope'],
  ['POST', '/auth/nope'],
  ['GET', '/themes/1/nope'],
  ['GET', '/admin/nope', 'admin'],
  ['GET', '/reservations/mine/all', 'user'],
] as const) {
  rejects('an unknown route', { method, path, as, ...bad(404, 'NOT_FOUND') });
}
for (const [method, path, as] of [
  ['DELETE', '/stores'],
  ['PUT', '/themes/1'],
  ['GET', '/auth/login'],
  ['PATCH', '/schedules/1/hold', 'user'],
  ['DELETE', '/admin/reservations', 'admin'],
] as const) {
  rejects('a method the route does not have', { method, path, as, ...bad(405, 'METHOD_NOT_ALLOWED') });
}

test.serial('POST /auth/signup: with a chunked body past 16 KiB and no Content-Length answers 413 PAYLOAD_TOO_LARGE and writes nothing', async (t) => {
  const before = await snapshot();
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(`${service.url}/auth/signup`, { method: 'POST', headers: { 'content-type': JSON_TYPE, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.write(JSON.stringify(signup).slice(0, -2));
    for (let i = 0; i < 20; i += 1) req.write('x'.repeat(1000));
    req.end('"}');
  });

  t.is(status, 413);
  assertErrorBody(t, JSON.parse(text));
  t.is(JSON.parse(text).code, 'PAYLOAD_TOO_LARGE');
  t.deepEqual(await snapshot(), before);
});

test.serial('PUT /schedules/:id: answers 405 with an Allow header naming GET', async (t) => {
  const res = await service.request('PUT', '/schedules/1');

  t.is(res.status, 405);
  t.regex(res.headers.get('allow') ?? '', /\bGET\b/);
});
