import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { Actors } from './actors/system.js';
import { compose } from './compose.js';
import type { Config } from './config.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded.js';
import { createDb, migrateLatest, type Db } from './db/knex.js';
import { seedDemoData } from './db/seed.js';
import type { Logger } from './logger.js';
import { createTossClient, type Payments } from './payments/index.js';
import { createHttpServer } from './http/listener.js';
import { createQueues, type JobQueue } from './queue/index.js';
import { startTossMock, type TossMock } from './tossmock/index.js';
import { jwtSecretFor } from './secrets.js';

export interface RunningService {
  url: string;
  db: Db;
  actors: Actors;
  /** Bull on REDIS_URL, else in-process: the command bus, the expiry tick, durable follow-ups. */
  queues: JobQueue;
  payments: Payments;
  embedded: boolean;
  /**
   * Stops accepting connections, lets in-flight requests finish, flushes history, closes the pool,
   * all before `deadline` (epoch ms; by default SHUTDOWN_TIMEOUT_MS from now): see `shutdownPlan`.
   */
  stop(deadline?: number): Promise<StopSummary>;
  /** Past the deadline: saves the history to disk whatever the database does; call just before exiting. */
  abandon(): Promise<void>;
}

/** What a stop did, for the "stopped" line. */
export interface StopSummary {
  tookMs: number;
  /** History rows the stop wrote to the database. */
  historyRowsFlushed: number;
  /** History rows the database did not take in time, saved to disk to be replayed on the next start. */
  historyRowsOnDisk: number;
  /** Requests that were still being answered when the stop began. */
  requestsDrained: number;
}

/**
 * How one shutdown budget is shared, as moments from the start: in-flight requests get up to 40 %
 * (then their connections are closed), running jobs until 60 %, the history flush until the last
 * 1.5 s (then what the database has not taken is saved to disk), and the pool the rest. Each step
 * ends by its moment whatever the database does, so the whole ends before the forced exit.
 */
export function shutdownPlan(startedAt: number, deadline: number) {
  const total = Math.max(0, deadline - startedAt);
  const reserve = Math.min(1_500, total * 0.2);
  return {
    drainBy: startedAt + total * 0.4,
    jobsBy: startedAt + total * 0.6,
    historyBy: deadline - reserve,
    poolBy: deadline - reserve / 3,
  };
}

/** Starts the whole service: database (embedded when no DATABASE_URL), migrations, actors, HTTP. */
export async function startService(config: Config, log: Logger): Promise<RunningService> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'pg'));
    url = embedded.url;
  }
  // Migrations get a pool of their own without the service's short timeouts (an index build may take a while).
  const migrator = createDb({ url, poolMax: 1, statementTimeoutMs: 600_000, connectTimeoutMs: 10_000, acquireTimeoutMs: 60_000 });
  await migrateLatest(migrator).finally(() => migrator.destroy());
  // PGlite serves one connection at a time.
  const db = createDb({ url, poolMax: embedded ? 1 : config.databasePoolMax, ...timeoutsOf(config), log: log.child({ component: 'knex' }) });
  if (embedded) {
    const { schedulesCreated } = await seedDemoData(db);
    log.info({ schedulesCreated }, 'demo data ready');
  }
  const jwtSecret = await jwtSecretFor(config.jwtSecret, config.dataDir);
  const queues = createQueues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log });
  const gateway = await gatewayFor(config, log);
  const composed = compose({ config, db, log, queues, gateway: gateway.client, jwtSecret, checkoutUrl: gateway.mock?.url });
  const { app, actors, payments } = composed;
  const server: Server = createHttpServer(app, config).listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  server.keepAliveTimeout = 65_000;
  const drain = drainer(server);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${config.host}:${port}`,
    db,
    actors,
    queues,
    payments,
    embedded: Boolean(embedded),
    async stop(deadline = Date.now() + config.shutdownTimeoutMs) {
      const startedAt = Date.now();
      const plan = shutdownPlan(startedAt, deadline);
      const before = actors.history.stats();
      // Live streams never finish by themselves: end them first, so draining waits only for requests.
      await composed.live.close();
      const requestsDrained = await drain(plan.drainBy);
      // Running jobs (commands, a tick) finish on live actors before those stop.
      await composed.stop({ jobsBy: plan.jobsBy, historyTimeoutMs: Math.max(0, plan.historyBy - Date.now()) });
      // A pool whose statements hang gives up by its moment; the process is about to end anyway.
      await Promise.race([db.destroy(), until(plan.poolBy)]);
      await gateway.mock?.close();
      await embedded?.stop();
      const after = actors.history.stats();
      return { tookMs: Date.now() - startedAt, historyRowsFlushed: after.rowsWritten - before.rowsWritten, historyRowsOnDisk: after.spilledRows, requestsDrained };
    },
    abandon: () => actors.abandon(),
  };
}

/** The server cancels a slow statement a little before the client stops waiting for any answer. */
export const timeoutsOf = (config: Pick<Config, 'databaseQueryTimeoutMs'>) => ({
  queryTimeoutMs: config.databaseQueryTimeoutMs,
  statementTimeoutMs: Math.max(100, config.databaseQueryTimeoutMs - 250),
});

const until = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())).unref());

/**
 * Graceful close for keep-alive clients: once draining, every response still to be written says
 * `Connection: close`, so each connection ends after its in-flight request instead of staying
 * open for more; idle ones close at once. At `by` a backstop closes whatever is left, leaving the
 * rest of the budget to the history. Connections are tracked, not requests, so serving a request
 * pays nothing for this.
 */
function drainer(server: Server): (by: number) => Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return async (by) => {
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('Connection', 'close'));
    let inFlight = 0;
    for (const socket of sockets) {
      // Node's pointer to the response being written on the connection (graceful-shutdown libraries use it too).
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (!res) continue;
      inFlight += 1;
      if (!res.headersSent) res.setHeader('Connection', 'close');
      else res.once('close', () => socket.end());
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const backstop = setTimeout(() => server.closeAllConnections(), Math.max(0, by - Date.now())).unref();
    await closed;
    clearTimeout(backstop);
    return inFlight;
  };
}

/** The card gateway: TOSS_BASE_URL when set; otherwise (never in production) the Toss mock, in-process on a free port. */
async function gatewayFor(config: Config, log: Logger): Promise<{ client: ReturnType<typeof createTossClient>; mock?: TossMock }> {
  const secretKey = config.tossSecretKey ?? 'test_sk_mock';
  if (config.tossBaseUrl) return { client: createTossClient({ baseUrl: config.tossBaseUrl, secretKey, timeoutMs: config.paymentTimeoutMs }) };
  if (config.production) throw new Error('invalid configuration: TOSS_BASE_URL is required when NODE_ENV=production');
  const mock = await startTossMock({ secretKey });
  log.info({ url: mock.url }, 'card gateway: the in-process Toss mock');
  return { client: createTossClient({ baseUrl: mock.url, secretKey, timeoutMs: config.paymentTimeoutMs }), mock };
}
