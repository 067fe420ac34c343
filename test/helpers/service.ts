import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startActors, type Actors } from '../../src/actors/system.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/knex.js';
import { createApp } from '../../src/http/app.js';
import { signToken } from '../../src/http/auth/jwt.js';
import { createLogger } from '../../src/logger.js';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

export interface TestService {
  url: string;
  config: Config;
  actors: Actors;
  tokenFor(userId: number, role?: 'USER' | 'ADMIN'): string;
  request(method: string, path: string, init?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** One instance of the service (actor system + Koa on port 0) over an existing database. */
export async function startTestService(db: Db, env: Record<string, string> = {}): Promise<TestService> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_SECRET: TEST_JWT_SECRET, ...env });
  const log = createLogger(config.logLevel);
  const actors = startActors(config, db, log);
  const app = createApp({ config, db, actors, log, jwtSecret: TEST_JWT_SECRET });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    config,
    actors,
    tokenFor: (userId, role = 'USER') => signToken({ sub: userId, role }, TEST_JWT_SECRET, 3600),
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await actors.stop();
    },
  };
}
