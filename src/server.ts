import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startActors, type Actors } from './actors/system.js';
import type { Config } from './config.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded.js';
import { createDb, migrateLatest, type Db } from './db/knex.js';
import { seedDemoData } from './db/seed.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { jwtSecretFor } from './secrets.js';

export interface RunningService {
  url: string;
  db: Db;
  actors: Actors;
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
  const db = createDb({ url, poolMax: embedded ? 1 : config.databasePoolMax });
  await migrateLatest(db);
  if (embedded) {
    const { schedulesCreated } = await seedDemoData(db);
    log.info({ schedulesCreated }, 'demo data ready');
  }
  const jwtSecret = await jwtSecretFor(config.jwtSecret, config.dataDir);
  const actors = startActors(config, db, log);
  const app = createApp({ config, db, actors, log, jwtSecret });
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${config.host}:${port}`,
    db,
    actors,
    embedded: Boolean(embedded),
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await actors.stop();
      await db.destroy();
      await embedded?.stop();
    },
  };
}
