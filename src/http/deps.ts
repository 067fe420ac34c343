import type { Actors } from '../actors/system.js';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Payments } from '../payments/index.js';
import type { Catalogue } from '../services/catalogue.js';
import type { LiveHub } from '../services/live/hub.js';
import type { LoginHistory } from '../services/login-history.js';
import type { Sessions } from '../services/sessions.js';
import type { Throttle } from '../services/throttle.js';
import type { Guard } from './auth/middleware.js';

/** Everything the HTTP layer needs, handed in so tests can build an app without a port. */
export interface AppDeps {
  config: Config;
  db: Db;
  actors: Actors;
  payments: Payments;
  catalogue: Catalogue;
  log: Logger;
  metrics: Metrics;
  jwtSecret: string;
  /** Checks each route's declared access (token, live session, current role). */
  guard: Guard;
  sessions: Sessions;
  throttle: Throttle;
  /** Where every login attempt is recorded. */
  logins: LoginHistory;
  /** Live availability streams. */
  live: LiveHub;
  /** Where the web app sends a customer to pay (the Toss mock's checkout page), if anywhere. */
  checkoutUrl?: string;
}
