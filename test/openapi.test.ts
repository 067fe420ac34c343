import test from 'ava';
import Koa from 'koa';
import type Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { DEMO_ACCOUNTS } from '../src/db/seed.js';
import type { AppDeps } from '../src/http/deps.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../src/http/openapi/index.js';
import { checkingResponses, responseMismatchesOf } from '../src/http/response-check.js';
import { OPERATIONS } from '../src/http/routes/index.js';
import { mount, operation } from '../src/http/routes/table.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestService, type TestService } from './helpers/service.js';
import { makeUsers } from './helpers/fixtures.js';

let database: TestDatabase;
let service: TestService;
let document: OpenApiDocument;

test.before(async () => {
  database = await createTestDatabase(4);
  service = await startTestService(database.db);
  document = (await service.request('GET', '/openapi.json')).body;
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** `METHOD /path` for every route on the app's router, HEAD (added by Koa for GET) left out. */
function registeredRoutes(app: Koa): string[] {
  const routers = app.middleware.flatMap((mw) => ('router' in mw ? [(mw as unknown as { router: Router }).router] : []));
  return routers.flatMap((router) => router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${toOpenApiPath(String(layer.path))}`)));
}

const documentedRoutes = (doc: OpenApiDocument) => Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

test('GET /openapi.json: documents every route the app registers, and no other', (t) => {
  const registered = registeredRoutes(service.app);
  const documented = documentedRoutes(document);
  t.true(registered.includes('POST /schedules/{id}/hold') && registered.includes('GET /docs'), 'the router was read');

  t.deepEqual(
    registered.filter((r) => !documented.includes(r)),
    [],
    'registered but not documented',
  );
  t.deepEqual(
    documented.filter((r) => !registered.includes(r)),
    [],
    'documented but not registered',
  );
  t.is(new Set(registered).size, registered.length, 'no route is registered twice');
});

test('GET /openapi.json: passes an outside OpenAPI 3.1 validator', async (t) => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
  t.true(result.valid, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
  t.is(validator.version, '3.1');
});

test('GET /openapi.json: every operation documents a real schema for each body it answers with', (t) => {
  const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const));
  t.is(operations.length, OPERATIONS.length);
  const empty: string[] = [];
  for (const [name, op] of operations) {
    t.true(
      Object.keys(op.responses).some((status) => status.startsWith('2')),
      `${name} documents a success`,
    );
    for (const [status, response] of Object.entries(op.responses)) {
      // A 204 has no body by definition; every other answer has a schema that says something.
      if (status === '204') t.is(response.content, undefined, `${name} ${status} has no body`);
      else for (const [type, media] of Object.entries(response.content ?? { none: { schema: {} } })) if (Object.keys(media.schema).length === 0) empty.push(`${name} ${status} ${type}`);
    }
  }
  t.deepEqual(empty, [], 'no answer is documented as {} or without content');
  t.deepEqual(document.paths['/schedules/{id}/hold']!.post!.responses['200']!.content!['application/json']!.schema, {
    type: 'object',
    properties: { scheduleId: { type: 'integer', exclusiveMinimum: 0 }, status: { type: 'string', const: 'HOLD' }, holdExpiresAt: { type: 'string', format: 'date-time' } },
    required: ['scheduleId', 'status', 'holdExpiresAt'],
    additionalProperties: false,
  });
});

test('GET /openapi.json: POST /auth/login shows the demo logins as examples', (t) => {
  const examples = document.paths['/auth/login']!.post!.requestBody!.content['application/json']!.examples!;
  t.deepEqual(examples.demoUser!.value, { email: DEMO_ACCOUNTS.user.email, password: DEMO_ACCOUNTS.user.password });
  t.deepEqual(examples.demoAdmin!.value, { email: DEMO_ACCOUNTS.admin.email, password: DEMO_ACCOUNTS.admin.password });
});

test('the response check answers a body its route does not declare with 500 RESPONSE_MISMATCH, and records it', async (t) => {
  const table = [
    operation({
      method: 'get',
      path: '/good',
      access: 'public',
      summary: 'good',
      tags: [],
      responses: { 200: { description: 'ok', schema: z.object({ n: z.number() }).strict() } },
      handler: () => (ctx) => void (ctx.body = { n: 1 }),
    }),
    operation({
      method: 'get',
      path: '/bad',
      access: 'public',
      summary: 'bad',
      tags: [],
      responses: { 200: { description: 'ok', schema: z.object({ n: z.number() }).strict() } },
      handler: () => (ctx) => void (ctx.body = { n: 'one' }),
    }),
    operation({
      method: 'get',
      path: '/undeclared',
      access: 'public',
      summary: 'undeclared',
      tags: [],
      responses: { 200: { description: 'ok', schema: z.object({}) } },
      handler: () => (ctx) => void ((ctx.status = 202), (ctx.body = {})),
    }),
  ];
  const app = new Koa();
  app.use(checkingResponses(app, table));
  // Only public routes: the guard is never asked.
  app.use(mount(table, {} as AppDeps).routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    t.is((await fetch(`${base}/good`)).status, 200);
    const bad = await fetch(`${base}/bad`);
    t.is(bad.status, 500);
    t.like(await bad.json(), { code: 'RESPONSE_MISMATCH' });
    t.is((await fetch(`${base}/undeclared`)).status, 500);
    t.deepEqual(
      responseMismatchesOf(app).map((m) => [m.route, m.status]),
      [
        ['/bad', 200],
        ['/undeclared', 202],
      ],
    );
  } finally {
    server.close();
  }
});

test('the OpenAPI document is the one the operation table builds', (t) => {
  t.deepEqual(document, JSON.parse(JSON.stringify(buildOpenApiDocument(OPERATIONS))));
});

test('GET /openapi.json: POST /reservations takes the fields and limits of the schema that validates it', (t) => {
  const body = document.paths['/reservations']!.post!.requestBody!;
  const schema = body.content['application/json']!.schema;

  t.true(body.required);
  t.deepEqual(schema.required, ['scheduleId', 'participants']);
  t.is(schema.additionalProperties, false);
  t.deepEqual(schema.properties!.participants, { type: 'integer', minimum: 1, maximum: 100 });
  t.deepEqual(schema.properties!.scheduleId, { type: 'integer', exclusiveMinimum: 0, maximum: 999_999_999_999_999 });
});

test('GET /openapi.json: answers JSON, the same document the route table builds, OpenAPI 3.1 with unique operation ids', async (t) => {
  const res = await fetch(`${service.url}/openapi.json`);

  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^application\/json/);
  t.deepEqual(await res.json(), JSON.parse(JSON.stringify(buildOpenApiDocument(OPERATIONS))));
  t.is(document.openapi, '3.1.0');
  const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  t.is(new Set(ids).size, ids.length);
});

test('GET /openapi.json: describes errors as {code, message} and both ways to send the token', (t) => {
  const { schemas, securitySchemes } = document.components as Record<string, Record<string, any>>;
  t.deepEqual(schemas!.Error.required, ['code', 'message']);
  t.like(securitySchemes!.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  t.like(securitySchemes!.cookieAuth, { type: 'apiKey', in: 'cookie', name: 'token' });

  const hold = document.paths['/schedules/{id}/hold']!.post!;
  t.deepEqual(hold.security, [{ bearerAuth: [] }, { cookieAuth: [] }]);
  t.deepEqual(Object.keys(hold.responses['409']!.content!['application/json']!.examples!), ['SCHEDULE_NOT_AVAILABLE', 'HOLD_LIMIT_REACHED']);
  t.deepEqual(Object.keys(hold.responses['429']!.content!['application/json']!.examples!), ['HOLD_RATE_LIMITED']);
  t.deepEqual(Object.keys(hold.responses['404']!.content!['application/json']!.examples!), ['SCHEDULE_NOT_FOUND']);
  t.is(document.paths['/stores']!.get!.security, undefined);
  t.true(document.paths['/admin/stores']!.post!.responses['403'] !== undefined);
});

test('POST /orders: the documented Idempotency-Key limit is the one the route enforces', async (t) => {
  const header = document.paths['/orders']!.post!.parameters!.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
  t.like(header, { required: false, schema: { type: 'string', minLength: 1, maxLength: 300 } });

  const order = { reservationId: 1, paymentKey: 'pk_test', orderId: 'order_0001', amount: 1000 };
  const [userId] = await makeUsers(database.db, 1);
  const res = await service.request('POST', '/orders', { token: service.tokenFor(userId!), body: order, headers: { 'idempotency-key': 'k'.repeat(301) } });
  t.is(res.status, 400);
  t.is(res.body.code, 'INVALID_REQUEST');
});

test('GET /docs: answers an HTML page, confined to this origin, whose every asset answers 200 with its type', async (t) => {
  const res = await fetch(`${service.url}/docs`);
  const html = await res.text();

  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  t.deepEqual(
    urls.filter((u) => !u.startsWith('/docs/assets/')),
    [],
    'every asset is served by the app itself',
  );
  t.true(urls.length >= 3);
  for (const url of urls) {
    const asset = await fetch(service.url + url);
    const bytes = await asset.arrayBuffer();
    t.is(asset.status, 200, url);
    t.true(bytes.byteLength > 0, url);
    const type = asset.headers.get('content-type') ?? '';
    t.regex(type, url.endsWith('.js') ? /^text\/javascript/ : url.endsWith('.css') ? /^text\/css/ : /^image\/png/, url);
  }
  t.regex(html, /swagger-ui-bundle\.js/);
});

test('GET /docs/assets/:file: a name off the list, or one that climbs out of the package, answers 404', async (t) => {
  for (const name of [
    '..%2F..%2Fpackage.json',
    '..%2Fswagger-ui-dist%2Fpackage.json',
    '%2e%2e%2f%2e%2e%2fpackage.json',
    '..%5C..%5Cpackage.json',
    'package.json',
    'index.html',
    '%00',
    'constructor',
  ]) {
    const res = await service.request('GET', `/docs/assets/${name}`);
    t.is(res.status, 404, name);
    t.is(res.body.code, 'NOT_FOUND', name);
  }
});
