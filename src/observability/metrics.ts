import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './labelled.js';

/**
 * Every Prometheus metric of the service, on its own registry. Counters that other rooms already
 * keep (actor counts, history totals, ticks) are read at scrape time through `collect`, so the hot
 * paths pay nothing for them.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const on = { registers: [registry] };
  return {
    registry,
    // Its _count series is the request count by route and status. Label order: method, route, status.
    httpDuration: new FastHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route and status, and their latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registry,
    }),
    // Label: route. Also counted in httpDuration, like every answer.
    answeredAtOnce: new FastCounter({ name: 'http_answered_at_once_total', help: 'Requests a route answered before Koa, from memory (http/at-once.ts)', labelNames: ['route'], registry }),
    // Label: outcome.
    holdOutcomes: new FastCounter({ name: 'hold_outcomes_total', help: 'Hold answers: won, lost, expired, rejected', labelNames: ['outcome'], registry }),
    // Labels: command, code.
    actorReplies: new FastCounter({ name: 'schedule_actor_replies_total', help: 'Schedule actor answers by command and code', labelNames: ['command', 'code'], registry }),
    paymentOutcomes: new Counter({ name: 'payment_outcomes_total', help: 'Gateway outcomes of payment attempts by code', labelNames: ['outcome', 'code'] as const, ...on }),
    gauge: (name: string, help: string, labelNames: string[], collect: (g: Gauge<string>) => void | Promise<void>) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect(this: Gauge<string>) {
          return collect(this);
        },
      }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
