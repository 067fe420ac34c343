/**
 * The ceiling: Koa + @koa/router answering `{ok:true}` to the same requests the hold benchmark
 * sends, with no auth, no actors, no database. Run as a child process by bench/hold.ts.
 */
import Koa from 'koa';
import Router from '@koa/router';

const app = new Koa({ proxy: false });
app.silent = true;
const router = new Router();
const ok = (ctx: Koa.Context) => {
  ctx.body = { ok: true };
};
router.get('/healthz', ok);
router.post('/schedules/:id/hold', ok);
app.use(router.routes());
app.use(router.allowedMethods());

const server = app.listen(Number(process.env.PORT ?? 8081), process.env.HOST ?? '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
