import type Koa from 'koa';
import { spillDirFor } from './actors/history/index.js';
import { startActors, type Actors } from './actors/system.js';
import type { Config } from './config.js';
import type { Db } from './db/knex.js';
import { watchOutages } from './db/outage.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { registerCollectors } from './observability/collectors.js';
import { traceStatements } from './observability/db-spans.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { tracingOn } from './observability/tracing.js';
import { countPaymentOutcomes, countReplies } from './observability/outcomes.js';
import { startPayments, type PaymentGateway, type Payments } from './payments/index.js';
import { startCommandBus } from './queue/index.js';
import { startWaitlistPublisher } from './queue/waitlist-offers.js';
import { isDatabaseUnavailable } from './db/errors.js';
import { boundHashQueue } from './services/auth.js';
import { Catalogue } from './services/catalogue.js';
import { LoginHistory } from './services/login-history.js';
import { Sessions } from './services/sessions.js';
import { Throttle } from './services/throttle.js';
import { createGuard } from './http/auth/middleware.js';
import { ScheduleListings } from './services/listings.js';
import { startLive } from './services/live/index.js';
import type { LiveHub } from './services/live/hub.js';
import type { JobQueue } from './queue/types.js';

export interface Parts {
  config: Config;
  db: Db;
  log: Logger;
  queues: JobQueue;
  gateway: PaymentGateway;
  jwtSecret: string;
  /** Where the web app sends customers to pay. */
  checkoutUrl?: string;
}

export interface Composed {
  app: Koa;
  actors: Actors;
  payments: Payments;
  metrics: Metrics;
  live: LiveHub;
  /**
   * Stops taking jobs (running ones finish on live actors, until `jobsBy`), then stops the actors
   * and flushes history (to disk after `historyTimeoutMs` if the database does not take it).
   * `keepQueues`: the queues belong to the caller, who closes them.
   */
  stop(budget?: { jobsBy?: number; historyTimeoutMs?: number; keepQueues?: boolean }): Promise<void>;
}

/** Wires actors, payments, the command bus, metrics and the HTTP app over a database, a queue and a gateway. */
export function compose({ config, db, log, queues, gateway, jwtSecret, checkoutUrl }: Parts): Composed {
  const metrics = createMetrics();
  watchOutages(db, log.child({ component: 'database' }));
  if (tracingOn()) traceStatements(db);
  const listings = new ScheduleListings(db);
  const live = startLive(config, log);
  const throttle = new Throttle({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    limits: {
      failuresPerAccount: config.loginFailuresPerAccount,
      failuresPerAddress: config.loginFailuresPerAddress,
      failureWindowSeconds: config.loginFailureWindowSeconds,
      signupsPerAddress: config.signupsPerAddress,
      signupWindowSeconds: config.signupWindowSeconds,
      holdsPerUser: config.holdsPerUserPerMinute,
    },
  });
  boundHashQueue(config.loginQueueMax);
  const sessions = new Sessions(db, {
    freshMs: config.sessionCheckMs,
    syncMs: config.sessionSyncMs,
    tokenTtlSeconds: config.jwtTtlSeconds,
    onError: (err) => (isDatabaseUnavailable(err) ? undefined : log.warn({ err }, 'could not read sessions')),
  });
  const guard = createGuard(jwtSecret, sessions, { allowedOrigins: [...config.allowedOrigins, ...config.corsOrigins] });
  const actors = startActors(config, db, log, queues, {
    onReply: countReplies(metrics),
    onCommitted: (schedule) => {
      listings.apply(schedule);
      live.committed(schedule);
    },
    holdQuota: { check: (userId) => throttle.mayGrantHold(userId), granted: (userId) => throttle.holdGranted(userId) },
  });
  // The login journal lives beside the spill files: it belongs to the same database.
  const logins = new LoginHistory(actors.history, spillDirFor(config), log);
  startCommandBus(queues, actors.schedules, { log });
  startWaitlistPublisher(queues, db, { everyMs: config.waitlistPublishMs, log });
  const backlog = { attempts: 0, refunds: 0 };
  metrics.gauge('payment_reconcile_backlog', 'Payment attempts without a definite outcome, and refunds still owed, left after the last reconcile run', ['kind'], (g) => {
    g.set({ kind: 'attempts' }, backlog.attempts);
    g.set({ kind: 'refunds' }, backlog.refunds);
  });
  const payments = startPayments({
    db,
    schedules: actors.schedules,
    gateway,
    queues,
    config,
    log,
    onOutcome: countPaymentOutcomes(metrics),
    onBacklog: (attempts, refunds) => Object.assign(backlog, { attempts, refunds }),
  });
  registerCollectors(metrics, { actors, db, queues });
  metrics.gauge('live_streams', 'Open live event streams, and those dropped as too slow since start', ['kind'], (g) => {
    g.set({ kind: 'open' }, live.streamCount);
    g.set({ kind: 'dropped' }, live.counts.dropped);
  });
  const catalogue = new Catalogue(db, listings);
  const app = createApp({ config, db, actors, payments, catalogue, log, metrics, jwtSecret, guard, sessions, throttle, logins, live, checkoutUrl: config.tossCheckoutUrl ?? checkoutUrl });
  return {
    app,
    actors,
    payments,
    metrics,
    live,
    async stop({ jobsBy, historyTimeoutMs, keepQueues = false }: { jobsBy?: number; historyTimeoutMs?: number; keepQueues?: boolean } = {}) {
      // Jobs still running past their share of the budget carry on; their outcome is durable either way.
      await live.close();
      if (!keepQueues) await (jobsBy === undefined ? queues.close() : Promise.race([queues.close(), sleepUntil(jobsBy)]));
      await actors.stop({ historyTimeoutMs });
      await logins.close();
      sessions.stop();
      await throttle.close();
    },
  };
}

const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())).unref());
