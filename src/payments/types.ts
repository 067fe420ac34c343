import type { ScheduleRegistry } from '../actors/schedule/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/types.js';
import type { PaymentGateway } from './gateway.js';
import type { PaymentAttemptRecord } from '../db/repositories/history.js';

export type { PaymentAttemptRecord };


export interface PaymentDeps {
  db: Db;
  schedules: ScheduleRegistry;
  gateway: PaymentGateway;
  queues: JobQueue;
  config: Pick<Config, 'maxPaymentAttempts' | 'cancelDeadlineMinutes' | 'reconcileAfterMs' | 'reconcileIntervalMs'>;
  log: Logger;
  recordAttempt: (attempt: PaymentAttemptRecord) => void;
  /** Counts outcomes by gateway code, for metrics. */
  onOutcome?: (outcome: 'approved' | 'declined' | 'unknown', code: string | null) => void;
}

export interface PaymentSummary {
  paymentKey: string;
  orderId: string;
  amount: number;
  method: string | null;
  status: string;
  approvedAt: string | null;
}
