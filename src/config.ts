import { z } from 'zod';

const intFrom = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every variable the service reads, with its default; `npm run env-example` writes .env.example from it. */
export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: intFrom(10),
  DATABASE_QUERY_TIMEOUT_MS: intFrom(2_000),
  SHUTDOWN_TIMEOUT_MS: intFrom(10_000),
  REDIS_URL: z.string().url().optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .optional(),
  JWT_SECRET: z.string().min(32).optional(),
  JWT_TTL_SECONDS: intFrom(86_400),
  TOSS_BASE_URL: z.string().url().optional(),
  TOSS_SECRET_KEY: z.string().optional(),
  HOLD_TTL_MS: intFrom(300_000),
  PENDING_TTL_MS: intFrom(600_000),
  MAX_PAYMENT_ATTEMPTS: intFrom(3),
  CANCEL_DEADLINE_MINUTES: intFrom(60),
  EXPIRY_TICK_MS: intFrom(60_000),
  SCHEDULE_SHARDS: intFrom(64),
  ACTOR_IDLE_MS: intFrom(120_000),
  ACTOR_MAX_LIVE: intFrom(20_000),
  ACTOR_ASK_TIMEOUT_MS: intFrom(5_000),
  ACTOR_STALE_MS: intFrom(1_000),
  HISTORY_BATCH_SIZE: intFrom(100),
  HISTORY_FLUSH_MS: intFrom(1_000),
  HISTORY_BUFFER_MAX: intFrom(50_000),
  PAYMENT_TIMEOUT_MS: intFrom(5_000),
  RECONCILE_AFTER_MS: intFrom(10_000),
  RECONCILE_INTERVAL_MS: intFrom(15_000),
  RECONCILE_BUDGET_MS: intFrom(10_000),
  RECONCILE_MAX_BACKOFF_MS: intFrom(300_000),
  PAYMENT_SETTLE_HORIZON_MS: intFrom(30 * 60_000),
  PAYMENT_CONFIRM_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
  PAYMENT_RETRY_BACKOFF_MS: intFrom(200),
  MAX_ACTIVE_HOLDS_PER_USER: intFrom(2),
  MAX_PENDING_PER_USER: intFrom(2),
  HOLDS_PER_USER_PER_MINUTE: intFrom(30),
  WAITLIST_OFFER_TTL_MS: intFrom(600_000),
  WAITLIST_MAX_PER_USER: intFrom(5),
  WAITLIST_PUBLISH_MS: intFrom(1_000),
  LOGIN_FAILURES_PER_ACCOUNT: intFrom(10),
  LOGIN_FAILURES_PER_ADDRESS: intFrom(100),
  LOGIN_FAILURE_WINDOW_SECONDS: intFrom(900),
  SIGNUPS_PER_ADDRESS: intFrom(20),
  SIGNUP_WINDOW_SECONDS: intFrom(3600),
  LOGIN_QUEUE_MAX: intFrom(64),
  LOGIN_REFUSAL_DELAY_MS: intFrom(1_000),
  SESSION_CHECK_MS: intFrom(5_000),
  SESSION_SYNC_MS: intFrom(1_000),
  METRICS_TOKEN: z.string().min(16).optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  CORS_ORIGINS: z
    .string()
    .optional()
    .refine((v) => v === undefined || originList(v).every(isOrigin), 'a comma-separated list of origins such as https://app.example (scheme, host and port only)'),
  TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).default('0'),
  HSTS: z.enum(['0', '1', 'true', 'false']).default('0'),
  VALIDATE_RESPONSES: z.enum(['0', '1', 'true', 'false']).optional(),
  REQUEST_TIMEOUT_MS: intFrom(30_000),
  LIVE_STREAMS_PER_ADDRESS: intFrom(20),
  LIVE_HEARTBEAT_MS: intFrom(15_000),
  LIVE_MAX_BUFFERED_BYTES: intFrom(256 * 1024),
  TOSS_CHECKOUT_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  ACCESS_LOG: z.enum(['on', 'off']).default('on'),
});

const originList = (v: string): string[] =>
  v
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
/** An origin as a browser sends it: `scheme://host[:port]`, nothing after. */
const isOrigin = (o: string): boolean => {
  try {
    const url = new URL(o);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === o;
  } catch {
    return false;
  }
};

export interface Config {
  env: string;
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /**
   * No statement is waited on longer than this, whatever the failure: the client gives up (a
   * stalled network) and the server cancels a little earlier (a slow statement), so an outage
   * answers 503 within about this long.
   */
  databaseQueryTimeoutMs: number;
  /** SIGTERM to exit, all in: draining requests, finishing jobs and flushing history share it (see server.ts). */
  shutdownTimeoutMs: number;
  redisUrl: string | undefined;
  /** Key prefix of the Bull queues (default Bull's `bull`); instances that share work share it. */
  queuePrefix: string | undefined;
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  tossBaseUrl: string | undefined;
  tossSecretKey: string | undefined;
  holdTtlMs: number;
  pendingTtlMs: number;
  maxPaymentAttempts: number;
  cancelDeadlineMinutes: number;
  expiryTickMs: number;
  scheduleShards: number;
  actorIdleMs: number;
  /** Past this many live schedule actors, the least recently spawned idle ones are passivated early. */
  actorMaxLive: number;
  actorAskTimeoutMs: number;
  /** How long a losing answer may be served from actor memory before the row is re-read. */
  actorStaleMs: number;
  historyBatchSize: number;
  historyFlushMs: number;
  /** Rows the history actor keeps in memory; past this it spills to a file under dataDir. */
  historyBufferMax: number;
  /** The card gateway client's timeout. */
  paymentTimeoutMs: number;
  /** A reservation in PAYMENT_IN_PROGRESS longer than this is settled by asking the gateway. */
  reconcileAfterMs: number;
  reconcileIntervalMs: number;
  /** How long one reconcile run may page through open attempts and owed refunds before it leaves the rest for the next. */
  reconcileBudgetMs: number;
  /** The longest wait between two looks at one attempt (the backoff doubles up to it). */
  reconcileMaxBackoffMs: number;
  /**
   * An attempt still without a definite outcome this long after it began is voided: canceled at
   * the gateway by its paymentKey and recorded. Longer than the gateway's checkout session (10 min at
   * Toss), so by then the gateway can no longer approve it.
   */
  paymentSettleHorizonMs: number;
  /** Further confirm tries within one POST /orders (same key after no answer, a new key after a retryable refusal). */
  paymentConfirmRetries: number;
  paymentRetryBackoffMs: number;
  /** Per-user caps, across every process. */
  maxActiveHoldsPerUser: number;
  maxPendingPerUser: number;
  /** Holds granted to one user per minute, per process (losing holds are not counted). */
  holdsPerUserPerMinute: number;
  /** How long a waiting-list offer (a hold given to the first waiter when a slot frees) lasts. */
  waitlistOfferTtlMs: number;
  /** Waiting-list entries (waiting or offered) one user may have at once. */
  waitlistMaxPerUser: number;
  /** How often offers in the notifications outbox are published on the Bull bus (with Redis only). */
  waitlistPublishMs: number;
  loginFailuresPerAccount: number;
  loginFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  signupsPerAddress: number;
  signupWindowSeconds: number;
  /** Logins and signups that may wait for the password hash; past it, 503 with Retry-After. */
  loginQueueMax: number;
  /** A 429 to a login or signup is answered after this long (at most its Retry-After). */
  loginRefusalDelayMs: number;
  /** A user's role and existence are re-read at least this often: the longest a demotion or deletion takes. */
  sessionCheckMs: number;
  /** How often revocations (logouts) made on other instances are read. */
  sessionSyncMs: number;
  metricsToken: string | undefined;
  /** Origins whose pages may make cookie-authenticated writes, besides the service's own. */
  allowedOrigins: string[];
  /**
   * Origins whose pages may call the API from the browser (CORS, credentials included); every other
   * origin gets no CORS headers. Listed origins may also make cookie-authenticated writes.
   */
  corsOrigins: string[];
  /** Trust X-Forwarded-For/-Proto from a proxy in front (client address for throttling, HTTPS). */
  trustProxy: boolean;
  /** Send Strict-Transport-Security (turn on when served over TLS). */
  hsts: boolean;
  /**
   * Check every answer against the schema its route declares for its status, and answer a
   * mismatch 500 RESPONSE_MISMATCH (VALIDATE_RESPONSES; on under NODE_ENV=test, never in production).
   */
  validateResponses: boolean;
  /** A request whose headers and body have not all arrived after this long is answered 408 and its connection closed. */
  requestTimeoutMs: number;
  /** Live streams: per client address, heartbeat interval, bytes a reader may fall behind before it is dropped. */
  live: { streamsPerAddress: number; heartbeatMs: number; maxBufferedBytes: number };
  /** The checkout page the web app sends customers to (Toss's widget stands here); the in-process mock's when unset. */
  tossCheckoutUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  /** `auto`: human-readable when stdout is a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** One `info` line per request (method, route, status, ms, reqId). */
  accessLog: boolean;
}

/** Reads the environment once; a bad value stops start-up with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (as docker-compose passes for an unset one) means unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.JWT_SECRET) throw new Error('invalid configuration: JWT_SECRET is required when NODE_ENV=production');
  return {
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databaseQueryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    jwtSecret: e.JWT_SECRET,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    tossBaseUrl: e.TOSS_BASE_URL,
    tossSecretKey: e.TOSS_SECRET_KEY,
    holdTtlMs: e.HOLD_TTL_MS,
    pendingTtlMs: e.PENDING_TTL_MS,
    maxPaymentAttempts: e.MAX_PAYMENT_ATTEMPTS,
    cancelDeadlineMinutes: e.CANCEL_DEADLINE_MINUTES,
    expiryTickMs: e.EXPIRY_TICK_MS,
    scheduleShards: e.SCHEDULE_SHARDS,
    actorIdleMs: e.ACTOR_IDLE_MS,
    actorMaxLive: e.ACTOR_MAX_LIVE,
    actorAskTimeoutMs: e.ACTOR_ASK_TIMEOUT_MS,
    actorStaleMs: e.ACTOR_STALE_MS,
    historyBatchSize: e.HISTORY_BATCH_SIZE,
    historyFlushMs: e.HISTORY_FLUSH_MS,
    historyBufferMax: e.HISTORY_BUFFER_MAX,
    paymentTimeoutMs: e.PAYMENT_TIMEOUT_MS,
    reconcileAfterMs: e.RECONCILE_AFTER_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    reconcileBudgetMs: e.RECONCILE_BUDGET_MS,
    reconcileMaxBackoffMs: e.RECONCILE_MAX_BACKOFF_MS,
    paymentSettleHorizonMs: e.PAYMENT_SETTLE_HORIZON_MS,
    paymentConfirmRetries: e.PAYMENT_CONFIRM_RETRIES,
    paymentRetryBackoffMs: e.PAYMENT_RETRY_BACKOFF_MS,
    maxActiveHoldsPerUser: e.MAX_ACTIVE_HOLDS_PER_USER,
    maxPendingPerUser: e.MAX_PENDING_PER_USER,
    holdsPerUserPerMinute: e.HOLDS_PER_USER_PER_MINUTE,
    waitlistOfferTtlMs: e.WAITLIST_OFFER_TTL_MS,
    waitlistMaxPerUser: e.WAITLIST_MAX_PER_USER,
    waitlistPublishMs: e.WAITLIST_PUBLISH_MS,
    loginFailuresPerAccount: e.LOGIN_FAILURES_PER_ACCOUNT,
    loginFailuresPerAddress: e.LOGIN_FAILURES_PER_ADDRESS,
    loginFailureWindowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
    signupsPerAddress: e.SIGNUPS_PER_ADDRESS,
    signupWindowSeconds: e.SIGNUP_WINDOW_SECONDS,
    loginQueueMax: e.LOGIN_QUEUE_MAX,
    loginRefusalDelayMs: e.LOGIN_REFUSAL_DELAY_MS,
    sessionCheckMs: e.SESSION_CHECK_MS,
    sessionSyncMs: e.SESSION_SYNC_MS,
    metricsToken: e.METRICS_TOKEN,
    allowedOrigins: originList(e.ALLOWED_ORIGINS ?? ''),
    corsOrigins: originList(e.CORS_ORIGINS ?? ''),
    trustProxy: e.TRUST_PROXY === '1' || e.TRUST_PROXY === 'true',
    hsts: e.HSTS === '1' || e.HSTS === 'true',
    validateResponses: !production && (e.VALIDATE_RESPONSES === undefined ? e.NODE_ENV === 'test' : e.VALIDATE_RESPONSES === '1' || e.VALIDATE_RESPONSES === 'true'),
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    live: { streamsPerAddress: e.LIVE_STREAMS_PER_ADDRESS, heartbeatMs: e.LIVE_HEARTBEAT_MS, maxBufferedBytes: e.LIVE_MAX_BUFFERED_BYTES },
    tossCheckoutUrl: e.TOSS_CHECKOUT_URL,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    accessLog: e.ACCESS_LOG === 'on',
  };
}
