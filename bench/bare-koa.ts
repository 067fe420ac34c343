/**
 * The ceiling: Koa + @koa/router answering `{ok:true}` to the same requests the hold benchmark and
 * the loadtest scenarios send (hold, browse, login), with no auth, no actors, no database. Like the
 * service it echoes X-Request-Id (the loadtest's wrk script times each request by it).
 * Run as a child process by bench/hold.ts and bench/loadtest.ts.
 */
import Koa from 'koa';
import Router from '@koa/router';

const app = new Koa({ proxy: false });
app.silent = true;
app.use((ctx, next) => {
  const id = ctx.get('x-request-id');
  if (id) ctx.set('X-Request-Id', id);
  return next();
});
const router = new Router();
const ok = (ctx: Koa.Context) => {
  ctx.body = { ok: true };
};
router.get('/healthz', ok);
router.post('/schedules/:id/hold', ok);
router.get('/themes', ok);
router.get('/themes/:id/schedules', ok);
router.get('/schedules/:id', ok);
router.post('/auth/login', ok);
app.use(router.routes());
app.use(router.allowedMethods());

const server = app.listen(Number(process.env.PORT ?? 8081), process.env.HOST ?? '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
