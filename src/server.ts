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
  /** Stops accepting connections, lets in-flight requests finish, flushes history, closes the pool. */
  stop(): Promise<void>;
}

/** Starts the whole service: database (embedded when no DATABASE_URL), migrations, actors, HTTP. */
export async function startService(config: Config, log: Logger): Promise<RunningService> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'pg'));
    url = embedded.url;
  }
  // PGlite serves one connection at a time.
  const db = createDb({ url, poolMax: embedded ? 1 : config.databasePoolMax, log: log.child({ component: 'knex' }) });
  await migrateLatest(db);
  if (embedded) {
    const { schedulesCreated } = await seedDemoData(db);
    log.info({ schedulesCreated }, 'demo data ready');
  }
  const jwtSecret = await jwtSecretFor(config.jwtSecret, config.dataDir);
  const queues = createQueues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log });
  const gateway = await gatewayFor(config, log);
  const composed = compose({ config, db, log, queues, gateway: gateway.client, jwtSecret });
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
    async stop() {
      await drain();
      // Running jobs (commands, a tick) finish on live actors before those stop.
      await composed.stop();
      await db.destroy();
      await gateway.mock?.close();
      await embedded?.stop();
    },
  };
}

/**
 * Graceful close for keep-alive clients: once draining, every response still to be written says
 * `Connection: close`, so each connection ends after its in-flight request instead of staying
 * open for more; idle ones close at once. A backstop closes whatever is left after 8 s, still
 * leaving time to flush history before the process gives up at 10 s. Connections are tracked,
 * not requests, so serving a request pays nothing for this.
 */
function drainer(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return async () => {
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('Connection', 'close'));
    for (const socket of sockets) {
      // Node's pointer to the response being written on the connection (graceful-shutdown libraries use it too).
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (!res) continue;
      if (!res.headersSent) res.setHeader('Connection', 'close');
      else res.once('close', () => socket.end());
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const backstop = setTimeout(() => server.closeAllConnections(), 8_000).unref();
    await closed;
    clearTimeout(backstop);
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
