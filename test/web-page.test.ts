import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase(3);
  service = await startTestService(database.db, {}, { tossUrl: 'http://127.0.0.1:9' });
});
test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

const get = (path: string) => fetch(service.url + path);

test('GET /: the app’s page under its own policy: script, style and calls from this origin, nothing inline, no frames', async (t) => {
  const res = await get('/');
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) t.true(csp.includes(d), d);
  t.false(csp.includes('unsafe-inline'));
  t.is(res.headers.get('x-frame-options'), 'DENY');
  const html = await res.text();
  t.regex(html, /<script type="module" src="\/app\/app.js"><\/script>/);
  t.false(/<script>(?!<)/.test(html), 'no inline script');
  t.regex(html, /data-checkout="http:\/\/127.0.0.1:9"/);
  t.regex(html, /data-max-attempts="3"/);
});

test('the app’s assets answer with their types; other names and return pages 404; the API keeps default-src none', async (t) => {
  const js = await get('/app/app.js');
  t.is(js.status, 200);
  t.regex(js.headers.get('content-type') ?? '', /^text\/javascript/);
  t.true((await js.text()).length > 10_000, 'preact, htm and the app, bundled');
  const css = await get('/app/app.css');
  t.regex(css.headers.get('content-type') ?? '', /^text\/css/);
  t.is((await get('/app/../package.json')).status, 404);
  t.is((await get('/app/main.ts')).status, 404);
  t.is((await get('/checkout/success?reservationId=1')).status, 200);
  t.is((await get('/checkout/other')).status, 404);
  const api = await get('/themes');
  t.is(api.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
});
