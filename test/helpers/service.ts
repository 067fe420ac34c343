import { mkdtempSync, rmSync } from 'node:fs';
import type Koa from 'koa';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Actors } from '../../src/actors/system.js';
import { compose } from '../../src/compose.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/knex.js';
import { signToken } from '../../src/http/auth/jwt.js';
import { responseMismatchesOf } from '../../src/http/response-check.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createTossClient, type PaymentGateway, type Payments } from '../../src/payments/index.js';
import { createInProcessQueues } from '../../src/queue/index.js';
import type { JobQueue } from '../../src/queue/types.js';
import type { LiveHub } from '../../src/services/live/hub.js';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

export interface TestServiceOptions {
  /** The card gateway's base URL (an in-process Toss mock); without it payments are not configured. */
  tossUrl?: string;
  tossSecretKey?: string;
  /** Headers added to every gateway call (e.g. TossPayments-Test-Code). */
  tossHeaders?: (path: string) => Record<string, string>;
  gateway?: PaymentGateway;
  queues?: JobQueue;
  /** The service's logger (default: one at LOG_LEVEL, silent in tests). */
  log?: Logger;
}

/** Stands in for a gateway in tests that never pay: any call is a fault of the test. */
const noGateway: PaymentGateway = {
  confirm: async () => ({ kind: 'unknown', reason: 'no gateway in this test' }),
  cancel: async () => ({ kind: 'unknown', reason: 'no gateway in this test' }),
  findByOrderId: async () => ({ kind: 'unknown', reason: 'no gateway in this test' }),
};

export interface TestService {
  url: string;
  app: Koa;
  /** The Toss mock's base URL, when the service pays through one. */
  tossUrl: string | undefined;
  config: Config;
  actors: Actors;
  payments: Payments;
  queues: JobQueue;
  live: LiveHub;
  tokenFor(userId: number, role?: 'USER' | 'ADMIN'): string;
  request(method: string, path: string, init?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** One instance of the service (actor system + Koa on port 0) over an existing database. */
export async function startTestService(db: Db, env: Record<string, string> = {}, options: TestServiceOptions = {}): Promise<TestService> {
  // Each instance spills history to its own directory, never to another test's or to ./data.
  const ownDataDir = env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'roomescape-test-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_SECRET: TEST_JWT_SECRET, ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}), ...env });
  const log = options.log ?? createLogger(config.logLevel);
  const queues = options.queues ?? createInProcessQueues(log);
  const gateway =
    options.gateway ??
    (options.tossUrl
      ? createTossClient({ baseUrl: options.tossUrl, secretKey: options.tossSecretKey ?? 'test_sk_mock', timeoutMs: config.paymentTimeoutMs, headers: options.tossHeaders })
      : noGateway);
  const composed = compose({ config, db, log, queues, gateway, jwtSecret: TEST_JWT_SECRET, checkoutUrl: options.tossUrl });
  const { app, actors, payments } = composed;
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    tossUrl: options.tossUrl,
    config,
    actors,
    payments,
    queues,
    live: composed.live,
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
      await composed.live.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await composed.stop({ keepQueues: Boolean(options.queues) });
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
      // Every answer the test received was checked against its route's schema (config.validateResponses);
      // one that did not match was answered 500 RESPONSE_MISMATCH, and fails the file here as well.
      const mismatches = config.validateResponses ? responseMismatchesOf(app) : [];
      if (mismatches.length > 0) throw new Error(`answers that do not match their declared schema:\n${mismatches.map((m) => JSON.stringify(m)).join('\n')}`);
    },
  };
}
