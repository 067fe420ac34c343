import type { ScheduleRegistry } from '../actors/schedule/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/types.js';
import type { PaymentGateway } from './gateway.js';

export interface PaymentDeps {
  db: Db;
  schedules: ScheduleRegistry;
  gateway: PaymentGateway;
  queues: JobQueue;
  config: Pick<
    Config,
    | 'maxPaymentAttempts'
    | 'cancelDeadlineMinutes'
    | 'reconcileAfterMs'
    | 'reconcileIntervalMs'
    | 'reconcileBudgetMs'
    | 'reconcileMaxBackoffMs'
    | 'paymentSettleHorizonMs'
    | 'paymentConfirmRetries'
    | 'paymentRetryBackoffMs'
  >;
  log: Logger;
  /** Counts outcomes by gateway code, for metrics. */
  onOutcome?: (outcome: 'approved' | 'declined' | 'retryable' | 'unknown', code: string | null) => void;
  /** The reconciler's backlog after each run: attempts due a look that still have no definite outcome. */
  onBacklog?: (attempts: number, refunds: number) => void;
}

export interface PaymentSummary {
  paymentKey: string;
  orderId: string;
  amount: number;
  method: string | null;
  status: string;
  /** UTC ISO 8601 (`…Z`), as every time in our bodies. */
  approvedAt: string | null;
}
