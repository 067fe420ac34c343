import test from 'ava';
import type Router from '@koa/router';
import { request as httpRequest } from 'node:http';
import { accessOf } from '../src/http/routes/table.js';
import type { OpenApiDocument } from '../src/http/openapi/index.js';
import type { Access } from '../src/http/auth/middleware.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;
let userToken: string;
let scheduleId: number;

test.before(async () => {
  database = await createTestDatabase(4);
  service = await startTestService(database.db);
  const [userId] = await makeUsers(database.db, 1);
  // A token that claims ADMIN for a plain user: authority comes from the database, not the token.
  userToken = service.tokenFor(userId!, 'ADMIN');
  scheduleId = await makeSchedule(database.db);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

interface RouteEntry {
  method: string;
  path: string;
  access: Access | undefined;
}

/** Every route of the app's router, with the access its handler was declared with. */
function routeTable(): RouteEntry[] {
  const router = service.app.middleware.map((mw) => (mw as unknown as { router?: Router }).router).find(Boolean)!;
  return router.stack
    .filter((layer) => layer.methods.length > 0)
    .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: String(layer.path), access: accessOf(layer.stack.at(-1)) })));
}

/** Raw HTTP, so that the path goes out exactly as spelt (fetch would normalise `//` and `%61`). */
function send(method: string, path: string, token?: string): Promise<{ status: number; nosniff: boolean }> {
  const url = new URL(service.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, nosniff: res.headers['x-content-type-options'] === 'nosniff' && res.headers['x-frame-options'] === 'DENY' }));
    });
    req.on('error', reject);
    req.end(method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : '{}');
  });
}

/** The spellings an attacker tries: case, trailing and double slashes, percent-encoding, HEAD for GET. */
function variants(method: string, path: string): [string, string][] {
  const upperFirst = path.replace(/\/([a-z])/g, (_, c: string) => `/${c.toUpperCase()}`);
  const encodedFirst = path.replace(/^\/([a-z])/, (_, c: string) => `/%${c.charCodeAt(0).toString(16)}`);
  const spellings = [path, path.toUpperCase(), upperFirst, `${path}/`, `/${path}`, path.replace(/\//g, '//'), encodedFirst, `${path}?x=1`, `${path};x`];
  const methods = method === 'GET' ? ['GET', 'HEAD'] : [method];
  return methods.flatMap((m) => spellings.map((p): [string, string] => [m, p]));
}

/** A fingerprint of every table's rows, to tell whether anything was written. */
async function fingerprint(): Promise<string> {
  const { rows } = await database.db.raw<{ rows: { tablename: string }[] }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%' ORDER BY 1`);
  const parts: string[] = [];
  for (const { tablename } of rows) {
    const r = await database.db.raw<{ rows: { h: string | null }[] }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM "${tablename}" t`);
    parts.push(`${tablename}:${r.rows[0]!.h}`);
  }
  return parts.join(',');
}

test('every route of the router declares who may call it', (t) => {
  const routes = routeTable();
  t.true(routes.length >= 30, `read ${routes.length} routes`);
  const undeclared = routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.path}`);
  t.deepEqual(undeclared, []);
  t.true(routes.some((r) => r.path === '/admin/themes/:id' && r.access === 'admin'));
  t.true(routes.some((r) => r.path === '/schedules/:id/hold' && r.access === 'user'));
});

test('no spelling of a signed-in or admin route answers an anonymous caller or a plain user, and nothing is written', async (t) => {
  const before = await fingerprint();
  const routes = routeTable().filter((r) => r.access !== 'public');
  let probes = 0;
  for (const route of routes) {
    const path = route.path.replace(/:id\b/g, String(scheduleId)).replace(/:\w+/g, 'x');
    const callers: [string, string | undefined][] =
      route.access === 'admin'
        ? [
            ['anonymous', undefined],
            ['plain user', userToken],
          ]
        : [['anonymous', undefined]];
    for (const [who, token] of callers) {
      for (const [method, spelling] of variants(route.method, path)) {
        const { status, nosniff } = await send(method, spelling, token);
        probes += 1;
        if (!nosniff) t.fail(`${method} ${spelling} answered without the security headers`);
        const refused = spelling === path ? [401, 403] : [401, 403, 404, 405];
        t.true(refused.includes(status), `${method} ${spelling} as ${who} (${route.access} route) answered ${status}`);
      }
    }
  }
  t.true(probes > 300, `${probes} probes`);
  t.is(await fingerprint(), before, 'the probes changed no row');
});

test('the access each route declares is the one its API document states', async (t) => {
  const document: OpenApiDocument = (await service.request('GET', '/openapi.json')).body;
  const routes = routeTable();
  t.is(routes.length, Object.values(document.paths).flatMap((item) => Object.keys(item)).length, 'the document has every route of the router, and no other');
  for (const route of routes) {
    const op = document.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
    const name = `${route.method} ${route.path}`;
    if (!op) {
      t.fail(`${name} is not documented`);
      continue;
    }
    t.is(op.security === undefined, route.access === 'public', `${name}: signed in ${route.access !== 'public'}`);
    t.is(op.responses['403']?.content?.['application/json']?.examples?.FORBIDDEN !== undefined, route.access === 'admin' || name === 'GET /metrics', `${name}: admin ${route.access === 'admin'}`);
  }
});
