import { randomBytes } from 'node:crypto';
import test from 'ava';
import { signToken } from '../src/http/auth/jwt.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, TEST_JWT_SECRET, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase();
  service = await startTestService(database.db);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const freshEmail = (tag: string) => `${tag}-${randomBytes(5).toString('hex')}@test.local`;
const usersWithEmail = async (email: string) => Number((await database.db('users').whereRaw('lower(email) = lower(?)', [email]).count({ n: '*' }))[0]!.n);
const historyFor = async (email: string) => {
  await service.actors.history.flush();
  return database.db('login_history').where({ email }).orderBy('id');
};

/** A signed-up user, through the API, with a known password. */
async function signUp(tag: string) {
  const email = freshEmail(tag);
  const res = await service.request('POST', '/auth/signup', { body: { email, password: TEST_PASSWORD, name: `User ${tag}` } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as number, email };
}

test('POST /auth/signup: answers 201 {id, email, name, role: USER} and stores a hashed password', async (t) => {
  const email = freshEmail('signup');
  const res = await service.request('POST', '/auth/signup', { body: { email, password: 'correct horse battery', name: 'Kim Minji' } });

  t.is(res.status, 201);
  t.deepEqual(Object.keys(res.body).sort(), ['email', 'id', 'name', 'role']);
  t.like(res.body, { email, name: 'Kim Minji', role: 'USER' });
  t.true(Number.isInteger(res.body.id));
  const row = await database.db('users').where({ id: res.body.id }).first();
  t.like(row, { email, name: 'Kim Minji', role: 'USER' });
  t.regex(row.password_hash, /^scrypt\$/);
  t.false(row.password_hash.includes('correct horse battery'));
});

test('POST /auth/signup: never returns the password or its hash', async (t) => {
  const res = await service.request('POST', '/auth/signup', { body: { email: freshEmail('plain'), password: 'another-secret-1', name: 'Lee' } });

  t.is(res.status, 201);
  t.false(Object.keys(res.body).some((key) => /password|hash/i.test(key)));
  const text = JSON.stringify(res.body);
  t.false(text.includes('scrypt$'));
  t.false(text.includes('another-secret-1'));
});

test('POST /auth/signup: with a taken email in another case answers 409 EMAIL_TAKEN and keeps one row', async (t) => {
  const { email } = await signUp('taken');
  const res = await service.request('POST', '/auth/signup', { body: { email: email.toUpperCase(), password: TEST_PASSWORD, name: 'Copycat' } });

  t.is(res.status, 409);
  t.is(res.body.code, 'EMAIL_TAKEN');
  t.is(await usersWithEmail(email), 1);
});

test('POST /auth/signup: two signups racing for one email create one account, the other answers 409 EMAIL_TAKEN', async (t) => {
  const email = freshEmail('race');
  const results = await Promise.all([email, email.toUpperCase()].map((e) => service.request('POST', '/auth/signup', { body: { email: e, password: TEST_PASSWORD, name: 'Racer' } })));

  t.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
  t.is(results.find((r) => r.status === 409)!.body.code, 'EMAIL_TAKEN');
  t.is(await usersWithEmail(email), 1);
});

const invalidSignups: Array<[string, (email: string) => Record<string, unknown>, string]> = [
  ['a malformed email', () => ({ email: 'not-an-email', password: TEST_PASSWORD, name: 'X' }), 'email'],
  ['a password shorter than 8 characters', (email) => ({ email, password: 'short', name: 'X' }), 'password'],
  ['no name', (email) => ({ email, password: TEST_PASSWORD }), 'name'],
  ['a blank name', (email) => ({ email, password: TEST_PASSWORD, name: '   ' }), 'name'],
];

for (const [label, body, field] of invalidSignups) {
  test(`POST /auth/signup: with ${label} answers 400 INVALID_REQUEST naming ${field} and writes no row`, async (t) => {
    const sent = body(freshEmail('invalid'));
    const res = await service.request('POST', '/auth/signup', { body: sent });

    t.is(res.status, 400);
    t.is(res.body.code, 'INVALID_REQUEST');
    t.true(res.body.message.startsWith(`${field}:`), res.body.message);
    t.is(await usersWithEmail(String(sent.email)), 0);
  });
}

test('POST /auth/login: answers 200 {token, user} and sets an HttpOnly token cookie', async (t) => {
  const { id, email } = await signUp('login');
  const res = await service.request('POST', '/auth/login', { body: { email, password: TEST_PASSWORD } });

  t.is(res.status, 200);
  t.deepEqual(res.body.user, { id, email, name: 'User login', role: 'USER' });
  t.regex(res.body.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const cookie = res.headers.get('set-cookie') ?? '';
  t.true(cookie.startsWith(`token=${res.body.token};`), cookie);
  t.regex(cookie, /;\s*httponly/i);
  t.regex(cookie, /;\s*path=\//i);
});

test('POST /auth/login: matches the email whatever its case', async (t) => {
  const { id, email } = await signUp('case');
  const res = await service.request('POST', '/auth/login', { body: { email: email.toUpperCase(), password: TEST_PASSWORD } });

  t.is(res.status, 200);
  t.is(res.body.user.id, id);
});

test('POST /auth/login: with a wrong password answers 401 INVALID_CREDENTIALS without a cookie', async (t) => {
  const { email } = await signUp('wrongpw');
  const res = await service.request('POST', '/auth/login', { body: { email, password: 'not-the-password' } });

  t.is(res.status, 401);
  t.deepEqual(res.body, { code: 'INVALID_CREDENTIALS', message: res.body.message });
  t.is(res.headers.get('set-cookie'), null);
});

test('POST /auth/login: with an unknown email answers 401 INVALID_CREDENTIALS', async (t) => {
  const res = await service.request('POST', '/auth/login', { body: { email: freshEmail('nobody'), password: TEST_PASSWORD } });

  t.is(res.status, 401);
  t.is(res.body.code, 'INVALID_CREDENTIALS');
});

test('POST /auth/login: records a success in login_history with the ip and user agent', async (t) => {
  const { id, email } = await signUp('history-ok');
  const res = await service.request('POST', '/auth/login', { body: { email, password: TEST_PASSWORD }, headers: { 'user-agent': 'ava-auth-test/1.0' } });
  t.is(res.status, 200);

  const rows = await historyFor(email);
  t.is(rows.length, 1);
  t.like(rows[0], { user_id: id, email, success: true, user_agent: 'ava-auth-test/1.0' });
  t.regex(rows[0].ip, /127\.0\.0\.1$/);
});

test('POST /auth/login: records a wrong password as a failure of that user', async (t) => {
  const { id, email } = await signUp('history-bad');
  await service.request('POST', '/auth/login', { body: { email, password: 'nope-nope-nope' }, headers: { 'user-agent': 'ava-auth-test/2.0' } });

  const rows = await historyFor(email);
  t.is(rows.length, 1);
  t.like(rows[0], { user_id: id, email, success: false, user_agent: 'ava-auth-test/2.0' });
  t.regex(rows[0].ip, /127\.0\.0\.1$/);
});

test('POST /auth/login: records an unknown email as a failure with no user', async (t) => {
  const email = freshEmail('history-unknown');
  await service.request('POST', '/auth/login', { body: { email, password: TEST_PASSWORD }, headers: { 'user-agent': 'ava-auth-test/3.0' } });

  const rows = await historyFor(email);
  t.is(rows.length, 1);
  t.like(rows[0], { user_id: null, email, success: false, user_agent: 'ava-auth-test/3.0' });
  t.regex(rows[0].ip, /127\.0\.0\.1$/);
});

test('POST /auth/logout: answers 204 and expires the token cookie', async (t) => {
  const res = await service.request('POST', '/auth/logout');

  t.is(res.status, 204);
  const cookie = res.headers.get('set-cookie') ?? '';
  t.true(cookie.startsWith('token=;'), cookie);
  t.regex(cookie, /;\s*httponly/i);
  const maxAgeZero = /max-age=0/i.test(cookie);
  const expires = /expires=([^;]+)/i.exec(cookie)?.[1];
  t.true(maxAgeZero || (expires !== undefined && Date.parse(expires) <= Date.now()), cookie);
});

test('GET /auth/me: with a Bearer token answers 200 with the account', async (t) => {
  const { id, email } = await signUp('me-bearer');
  const res = await service.request('GET', '/auth/me', { token: service.tokenFor(id) });

  t.is(res.status, 200);
  t.deepEqual(res.body, { id, email, name: 'User me-bearer', role: 'USER' });
});

test('GET /auth/me: with only the cookie set by login answers 200 with the account', async (t) => {
  const { id, email } = await signUp('me-cookie');
  const login = await service.request('POST', '/auth/login', { body: { email, password: TEST_PASSWORD } });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const res = await service.request('GET', '/auth/me', { headers: { cookie } });

  t.is(res.status, 200);
  t.is(res.body.id, id);
});

test('GET /auth/me: without a token answers 401 UNAUTHORIZED', async (t) => {
  const res = await service.request('GET', '/auth/me');

  t.is(res.status, 401);
  t.deepEqual(Object.keys(res.body).sort(), ['code', 'message']);
  t.is(res.body.code, 'UNAUTHORIZED');
});

test('GET /auth/me: with a tampered token answers 401 UNAUTHORIZED', async (t) => {
  const [id] = await makeUsers(database.db, 1);
  const [header, , signature] = service.tokenFor(id!).split('.');
  const forged = Buffer.from(JSON.stringify({ sub: id, role: 'ADMIN', iat: 0, exp: 9_999_999_999 })).toString('base64url');
  const res = await service.request('GET', '/auth/me', { token: `${header}.${forged}.${signature}` });

  t.is(res.status, 401);
  t.is(res.body.code, 'UNAUTHORIZED');
});

test('GET /auth/me: with a token signed by another secret answers 401 UNAUTHORIZED', async (t) => {
  const [id] = await makeUsers(database.db, 1);
  const res = await service.request('GET', '/auth/me', { token: signToken({ sub: id!, role: 'USER' }, 'some-other-secret-some-other-secret-00', 3600) });

  t.is(res.status, 401);
  t.is(res.body.code, 'UNAUTHORIZED');
});

test('GET /auth/me: with an expired token answers 401 UNAUTHORIZED', async (t) => {
  const [id] = await makeUsers(database.db, 1);
  const expired = signToken({ sub: id!, role: 'USER' }, TEST_JWT_SECRET, 60, Date.now() - 2 * 3600_000);
  const res = await service.request('GET', '/auth/me', { token: expired });

  t.is(res.status, 401);
  t.is(res.body.code, 'UNAUTHORIZED');
});

test('GET /auth/me: for an account that no longer exists answers 401 UNAUTHORIZED', async (t) => {
  const [id] = await makeUsers(database.db, 1);
  await database.db('users').where({ id }).delete();
  const res = await service.request('GET', '/auth/me', { token: service.tokenFor(id!) });

  t.is(res.status, 401);
  t.is(res.body.code, 'UNAUTHORIZED');
});
