/**
 * booking-flow: each wrk connection books on its own schedule: POST hold -> POST /reservations ->
 * POST /orders, through the Toss mock (its own child process) committing *after* a latency of
 * 20-200 ms, with the service's gateway timeout at 180 ms: about 10% of confirms outlive the
 * timeout, so their outcome is unknown (202 PAYMENT_PENDING) and the reconciler settles them.
 * Then "a slow gateway must not slow holds": hot holds alone, and the same hot holds while the flow
 * runs. Afterwards: no schedule with two active reservations; the mock's confirms = CONFIRMED
 * reservations; the time from the gateway's approval to CONFIRMED (p50/p99); and the
 * reconciliation report's two counts, which must both be 0.
 * Checkout sessions are off in this mock (TOSS_MOCK_REQUIRE_CHECKOUT=0): wrk talks to one host,
 * so its script cannot play the payment widget; the tests cover sessions.
 */
import { createTossClient } from '../../src/payments/toss-client.js';
import { reconciliationReport } from '../../src/payments/report.js';
import { makeScheduleBlock, settle as settleDb } from '../lib/db.js';
import type { Started } from '../lib/holdrun.js';
import type { Ctx } from '../lib/lt/context.js';
import { settle } from '../lib/lt/metrics.js';
import { fmt, log, ms } from '../lib/lt/progress.js';
import { chartsOf, check, errorsOf, ratio, row, target, type Row, type ScenarioReport } from '../lib/lt/report.js';
import { measure, type Measured } from '../lib/lt/runs.js';
import type { LtResult } from '../lib/lt/run-wrk.js';

const LATENCY = '20-200';
const GATEWAY_TIMEOUT_MS = 180;
const PROBE_CONNECTIONS = 50;
const FLOW_OK: Record<string, number[]> = { hold: [200], reserve: [201], pay: [200, 202] };

interface MockStats {
  totalConfirms: number;
  confirmsByOrderId: Record<string, number>;
  approvedAtMsByOrderId: Record<string, number>;
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null);

async function checks(ctx: Ctx, mock: (Started & { secretKey: string }) | null) {
  const db = ctx.bench.db;
  // Payments still in flight when wrk stopped settle within the gateway latency; the reconciler takes the rest.
  await settle(async () => Number((await db('reservations').where('status', 'PAYMENT_IN_PROGRESS').count<{ n: string }[]>({ n: '*' }))[0]!.n), { stableMs: 1_500, timeoutMs: 30_000 });
  const dup = await db.raw<{ rows: { n: number }[] }>(
    `SELECT count(*)::int AS n FROM (SELECT schedule_id FROM reservations WHERE status IN ('PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED') GROUP BY schedule_id HAVING count(*) > 1) x`,
  );
  const confirmed: { order_id: string }[] = await db('reservations').where('status', 'CONFIRMED').select('order_id');
  const byStatus = await db('reservations').select('status').count<{ status: string; n: string }[]>({ n: '*' }).groupBy('status');
  let mockStats: MockStats | null = null;
  if (mock) mockStats = (await (await fetch(`${mock.url}/__mock/stats`)).json()) as MockStats;
  const charged = mockStats ? Object.entries(mockStats.confirmsByOrderId) : [];
  const mine = new Set(confirmed.map((r) => r.order_id));
  // Approval (at the gateway, to the ms) to CONFIRMED (the attempt settled in the same transaction).
  const settled: { order_id: string; settled_at: Date; created_at: Date }[] = await db('payment_attempts').where('outcome', 'APPROVED').select('order_id', 'settled_at', 'created_at');
  const approvedAt = mockStats?.approvedAtMsByOrderId ?? {};
  const lags = settled
    .filter((a) => approvedAt[a.order_id] !== undefined)
    .map((a) => a.settled_at.getTime() - approvedAt[a.order_id]!)
    .sort((x, y) => x - y);
  // An attempt the request itself could not settle took longer than its two tries and the backoff.
  const byReconciler = settled.filter((a) => a.settled_at.getTime() - a.created_at.getTime() > 3 * GATEWAY_TIMEOUT_MS + 500).length;
  const gateway = mock ? createTossClient({ baseUrl: mock.url, secretKey: mock.secretKey, timeoutMs: 10_000 }) : null;
  const report = gateway ? await reconciliationReport({ db, gateway }, { since: new Date(Date.now() - 3_600_000) }) : null;
  return {
    approvalToConfirmedMs: { p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), n: lags.length },
    settledByReconciler: byReconciler,
    report: report ? { complete: report.complete, chargedWithoutBooking: report.chargedWithoutBooking.length, bookedWithoutPayment: report.bookedWithoutPayment.length } : null,
    doubleActive: dup.rows[0]!.n,
    confirmed: confirmed.length,
    byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
    mockConfirms: mockStats?.totalConfirms ?? null,
    chargedTwice: charged.filter(([, n]) => n > 1).length,
    chargedNotConfirmed: charged.filter(([id]) => !mine.has(id)).length,
  };
}

const stepsP99 = (r: LtResult) => ['hold', 'reserve', 'pay'].map((k) => `${k} ${ms(r.series[k]?.p99)}`).join(' / ');

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  const o = ctx.opt;
  const durationS = o.durationS ?? 10;
  const connections = o.connections ?? 100;
  const db = ctx.bench.db;
  // Each flow run gets its own block: wrk's threads take interleaved ids at their own pace.
  const flowAlone = await makeScheduleBlock(db, 200_000);
  const flowWith = await makeScheduleBlock(db, 200_000);
  const warmFlow = await makeScheduleBlock(db, 20_000);
  const hotAlone = await makeScheduleBlock(db, 10);
  const hotDuring = await makeScheduleBlock(db, 10);
  const hotWarm = await makeScheduleBlock(db, 10);
  await settleDb(db);
  const mock = await ctx.startMock(LATENCY, { TOSS_MOCK_COMMIT: 'after', TOSS_MOCK_REQUIRE_CHECKOUT: '0' });
  const server = await ctx.startServer('service', {
    TOSS_BASE_URL: mock.url,
    TOSS_SECRET_KEY: mock.secretKey,
    PAYMENT_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS),
    RECONCILE_AFTER_MS: '1000',
    RECONCILE_INTERVAL_MS: '1000',
  });
  try {
    const ok = (series: string, status: number) => FLOW_OK[series]?.includes(status) ?? false;
    const flow = { threads: o.threads, connections, timeoutS: o.timeoutS ?? 10, mode: 'flow' as const, file: ctx.serviceTokens, ok };
    const holds = { threads: o.threads, connections: PROBE_CONNECTIONS, timeoutS: o.timeoutS ?? 5, mode: 'hot' as const, file: ctx.serviceTokens, durationS };
    const alone = await measure(ctx, 'booking-flow', server, { ...flow, durationS, firstId: flowAlone.firstId, count: flowAlone.count }, warmFlow);
    const holdsAlone = await measure(ctx, 'hot holds alone', server, { ...holds, firstId: hotAlone.firstId, count: hotAlone.count }, hotWarm);
    log(`booking flow (${durationS + 4}s) with hot holds (${durationS}s, from +2s) at the same time`);
    const together: [Promise<Measured>, Promise<Measured>] = [
      measure(ctx, 'booking-flow (with holds)', server, { ...flow, durationS: durationS + 4, firstId: flowWith.firstId, count: flowWith.count }, false),
      new Promise<void>((r) => setTimeout(r, 2_000)).then(() => measure(ctx, 'hot holds during flow', server, { ...holds, firstId: hotDuring.firstId, count: hotDuring.count }, false)),
    ];
    const [flowDuring, holdsDuring] = await Promise.all(together);
    log('booking-flow: checking reservations against the mock');
    const c = await checks(ctx, mock);
    const p99Ratio = ratio(holdsDuring.r.latencyMs.p99, holdsAlone.r.latencyMs.p99);
    const bookings = (m: Measured) => m.r.completed / m.r.durationS;
    const flowRow = (name: string, m: Measured): Row => ({
      ...row('booking-flow', name, m.r, { cpu: m.cpu, rate: bookings(m), unit: 'bookings/s' }),
      p99raw: m.r.series.pay?.p99 ?? null,
      // Failed steps by "step|status", then wrk's socket errors and timeouts.
      errors: [...Object.entries(m.r.failed).map(([k, n]) => `${k}:${n}`), errorsOf(m.r, () => true)].filter((e) => e !== '0').join(' ') || '0',
      check: `p99 per step (ms): ${stepsP99(m.r)}; ${fmt(m.r.completed)} paid`,
    });
    const holdErr = (m: Measured) => errorsOf(m.r, (s) => s === '200' || s === '409');
    const consistent = c.doubleActive === 0 && (c.mockConfirms === null || (c.mockConfirms === c.confirmed && c.chargedTwice === 0 && c.chargedNotConfirmed === 0));
    return {
      scenario: 'booking-flow',
      rows: [
        flowRow('booking flow alone', alone),
        row('booking-flow', 'hot holds alone', holdsAlone.r, { cpu: holdsAlone.cpu, errors: holdErr(holdsAlone) }),
        row('booking-flow', 'hot holds during the flow', holdsDuring.r, { cpu: holdsDuring.cpu, errors: holdErr(holdsDuring), check: `p99 ${p99Ratio === null ? 'n/a' : p99Ratio.toFixed(2)}x alone` }),
        flowRow('booking flow with the holds', flowDuring),
      ],
      targets: [
        target('booking-flow', 'hot-hold p99 during the flow vs alone', p99Ratio, '<=', 2),
        check('booking-flow', 'no schedule with two active reservations', c.doubleActive === 0, `${c.doubleActive} schedules`),
        check(
          'booking-flow',
          'mock confirms = CONFIRMED reservations',
          c.mockConfirms === null ? null : consistent,
          c.mockConfirms === null ? 'n/a (no --mock)' : `${fmt(c.mockConfirms)} / ${fmt(c.confirmed)}`,
        ),
        check(
          'booking-flow',
          'reconciliation report: 0 charged without a booking, 0 booked without a payment',
          c.report === null ? null : c.report.complete && c.report.chargedWithoutBooking === 0 && c.report.bookedWithoutPayment === 0,
          c.report === null ? 'n/a' : `${c.report.chargedWithoutBooking} / ${c.report.bookedWithoutPayment}`,
        ),
      ],
      notes: [
        `flow: ${connections} connections, each booking on a fresh schedule (hold -> reserve for 2 -> pay), Toss mock in its own process committing after ${LATENCY} ms, gateway timeout ${GATEWAY_TIMEOUT_MS} ms (about 10% unknown outcomes); ${durationS} s alone, then ${durationS + 4} s with the holds`,
        `approval to CONFIRMED: p50 ${ms(c.approvalToConfirmedMs.p50)} ms, p99 ${ms(c.approvalToConfirmedMs.p99)} ms over ${fmt(c.approvalToConfirmedMs.n)} approvals; ${fmt(c.settledByReconciler)} settled by the reconciler`,
        `hot holds: ${PROBE_CONNECTIONS} connections on 10 schedules for ${durationS} s, alone and then from 2 s into the second flow run; p99 alone ${ms(holdsAlone.r.latencyMs.p99)} ms, during ${ms(holdsDuring.r.latencyMs.p99)} ms`,
        `reservations by status: ${JSON.stringify(c.byStatus)}; mock: ${c.mockConfirms ?? 'n/a'} confirms, ${c.chargedTwice} orders charged twice, ${c.chargedNotConfirmed} charged orders not CONFIRMED`,
        'p99 raw of the flow rows: the pay step; ceiling and lock baseline: n/a (the flow is bound by the gateway latency; the hold probe is its own reference)',
      ],
      charts: [
        ...chartsOf(
          'booking flow alone, per step',
          ['hold', 'reserve', 'pay'].map((k) => ({ name: k, samples: alone.r.samples, series: k })),
        ).slice(0, 1),
        ...chartsOf('hot holds alone vs during the flow', [
          { name: 'hot holds alone', samples: holdsAlone.r.samples },
          { name: 'hot holds during the flow', samples: holdsDuring.r.samples },
        ]),
      ],
      raw: { alone, holdsAlone, flowDuring, holdsDuring, checks: c },
    };
  } finally {
    await server.stop();
    await mock.stop();
  }
}
