import test from 'ava';
import { request as httpRequest } from 'node:http';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

/**
 * A losing hold is answered before Koa (http/at-once.ts), and only then: the answer is the full
 * path's, byte for byte but the request id, and every other request takes the full path.
 */
let database: TestDatabase;
let service: TestService;
let holder: string;
let other: string;
let otherId: number;
let held: number;

test.before(async () => {
  database = await createTestDatabase(6);
  service = await startTestService(database.db, { ALLOWED_ORIGINS: 'https://app.example' });
  const [a, b] = (await makeUsers(database.db, 2)) as [number, number];
  holder = service.tokenFor(a);
  other = service.tokenFor(b);
  otherId = b;
  held = await makeSchedule(database.db);
  const first = await service.request('POST', `/schedules/${held}/hold`, { token: holder });
  if (first.status !== 200) throw new Error(`setup hold: ${first.status}`);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

/** How many requests were answered at once so far. */
async function atOnce(): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const m = /^http_answered_at_once_total\{route="\/schedules\/:id\/hold"\} (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** A raw request, so the path goes out exactly as written (fetch would normalise it). */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(service.url);
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const same = (h: Record<string, string | string[] | undefined>) => {
  const { 'x-request-id': _id, date: _date, ...rest } = h;
  return rest;
};

test.serial('a hold on a slot someone else holds is answered at once, with the answer the full path gives', async (t) => {
  // A query string takes the full path, and the route answers it the same. It also leaves the
  // caller known to the sessions and the slot's published state fresh, as traffic would.
  const full = await raw('POST', `/schedules/${held}/hold?via=koa`, bearer(other));
  const before = await atOnce();
  const quick = await raw('POST', `/schedules/${held}/hold`, bearer(other));
  t.is(await atOnce(), before + 1);
  t.is(quick.status, 409);
  t.deepEqual(JSON.parse(quick.body), { code: 'SCHEDULE_NOT_AVAILABLE', message: JSON.parse(full.body).message });
  t.is(quick.body, full.body);
  t.deepEqual(same(quick.headers), same(full.headers));
  t.is(quick.headers['x-content-type-options'], 'nosniff');
  t.is(quick.headers['cache-control'], 'no-store');
  t.truthy(quick.headers['x-request-id']);
  const given = await raw('POST', `/schedules/${held}/hold`, { ...bearer(other), 'x-request-id': 'trace-me-42' });
  t.is(given.headers['x-request-id'], 'trace-me-42');
});

test.serial('every other request takes the full path: other spellings, no or bad token, an Origin, a win, the holder again', async (t) => {
  const before = await atOnce();
  const answers = {
    anonymous: await raw('POST', `/schedules/${held}/hold`),
    badToken: await raw('POST', `/schedules/${held}/hold`, bearer(`${other}x`)),
    notBearer: await raw('POST', `/schedules/${held}/hold`, { authorization: `Basic ${other}` }),
    upperCase: await raw('POST', `/SCHEDULES/${held}/hold`, bearer(other)),
    trailingSlash: await raw('POST', `/schedules/${held}/hold/`, bearer(other)),
    doubleSlash: await raw('POST', `//schedules/${held}/hold`, bearer(other)),
    leadingZero: await raw('POST', `/schedules/0${held}/hold`, bearer(other)),
    encoded: await raw('POST', `/schedules/${held}/%68old`, bearer(other)),
    get: await raw('GET', `/schedules/${held}/hold`, bearer(other)),
    origin: await raw('POST', `/schedules/${held}/hold`, { ...bearer(other), origin: 'https://app.example' }),
    holderAgain: await raw('POST', `/schedules/${held}/hold`, bearer(holder)),
  };
  t.is(await atOnce(), before, 'none of them was answered at once');
  t.is(answers.anonymous.status, 401);
  t.is(answers.badToken.status, 401);
  t.is(answers.notBearer.status, 401);
  t.is(answers.origin.status, 409);
  t.is(answers.holderAgain.status, 200);
  // A trailing slash is the route to the router (its full path answers 409); the rest are not.
  for (const name of ['upperCase', 'doubleSlash', 'leadingZero', 'encoded', 'get'] as const) t.not(answers[name].status, 409, name);
  const free = await makeSchedule(database.db);
  const won = await raw('POST', `/schedules/${free}/hold`, bearer(other));
  t.is(won.status, 200);
  t.is(await atOnce(), before);
});

test.serial('a session that ended is refused by the full path, not answered at once', async (t) => {
  const login = await service.request('POST', '/auth/login', { body: { email: (await database.db('users').where({ id: otherId }).first()).email, password: TEST_PASSWORD } });
  t.is(login.status, 200);
  const token = login.body.token as string;
  t.is((await raw('POST', `/schedules/${held}/hold`, bearer(token))).status, 409);
  t.is((await service.request('POST', '/auth/logout', { token })).status, 204);
  const before = await atOnce();
  t.is((await raw('POST', `/schedules/${held}/hold`, bearer(token))).status, 401);
  t.is(await atOnce(), before);
});
