/**
 * chaos: the booking flow (login now and then, hold -> reserve -> pay, each step on a random one
 * of 3 instances) while the faults come one after another: PostgreSQL stalls (a proxy that stops
 * moving bytes, no RST) for STALL_S, Redis is cut (connections refused) for STALL_S, and 3
 * instances are killed with SIGKILL and restarted on their data directories. For each phase:
 * the answers by status, p99, and how long after the fault ended the last failure was answered;
 * after the run: rows expected vs found (login history of answered logins, the booking events of
 * answered holds and reservations) and the money invariants against the Toss mock.
 * The load comes from this process (fetch, CONNECTIONS workers), not wrk: each answer is classed
 * by the phase its request was sent in.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { BENCH_PASSWORD, makeScheduleBlock, settle as settleDb } from '../lib/db.js';
import type { Started } from '../lib/holdrun.js';
import type { Ctx } from '../lib/lt/context.js';
import { settle } from '../lib/lt/metrics.js';
import { fmt, log, ms } from '../lib/lt/progress.js';
import { check, target, type Row, type ScenarioReport } from '../lib/lt/report.js';

const INSTANCES = 3;
const KILLS = 3;
const QUERY_TIMEOUT_MS = 2_000;

interface Answer {
  phase: string;
  step: 'login' | 'hold' | 'reserve' | 'pay';
  status: number;
  sentAt: number;
  ms: number;
}

interface Phase {
  name: string;
  start: number;
  end: number;
  /** When its fault ended (restore, or the last restart), for faults. */
  faultEnd?: number;
}

const pause = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const pct = (xs: number[], p: number) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!);

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  if (ctx.opt.target) throw new Error('chaos starts its own 3 instances behind its own proxies; it cannot run against --target');
  // --duration scales the phases (a short smoke run: --duration 4), --connections the workers.
  const STALL_S = ctx.opt.durationS ?? 20;
  const CALM_S = Math.max(2, STALL_S / 2);
  const KILL_EVERY_S = Math.max(2, STALL_S / 4);
  const CONNECTIONS = ctx.opt.connections ?? 48;
  const db = ctx.bench.db;
  const block = await makeScheduleBlock(db, 200_000);
  await settleDb(db);
  const tokens = readFileSync(ctx.serviceTokens, 'utf8').trim().split('\n');
  const users = ctx.userIds.map((id, i) => ({ id, email: `bench-${i + 1}@bench.local`, token: tokens[i]! }));
  const pg = await startTcpProxy();
  const redis = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
  const mock = await ctx.startMock(20);
  const run = randomBytes(4).toString('hex');
  const env = (slot: number): Record<string, string> => ({
    DATABASE_URL: pg.urlFor(ctx.bench.url),
    REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    QUEUE_PREFIX: `chaos-${run}`,
    TOSS_BASE_URL: mock.url,
    TOSS_SECRET_KEY: mock.secretKey,
    DATA_DIR: join(ctx.tmp, `chaos-${slot}`),
    DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    RECONCILE_AFTER_MS: '3000',
    RECONCILE_INTERVAL_MS: '3000',
    LOG_LEVEL: 'info',
  });
  const instances: Started[] = [];
  for (let slot = 0; slot < INSTANCES; slot += 1) instances.push(await ctx.startServer('service', env(slot)));

  const answers: Answer[] = [];
  const phases: Phase[] = [];
  let phase = 'baseline';
  const begin = (name: string) => {
    const now = Date.now();
    const last = phases.at(-1);
    if (last) last.end = now;
    phases.push({ name, start: now, end: now });
    phase = name;
    log(`chaos: ${name}`);
  };
  const endFault = () => (phases.at(-1)!.faultEnd = Date.now());

  let next = 0;
  let running = true;
  const call = async (step: Answer['step'], method: string, path: string, token: string | null, body?: unknown, agent?: string): Promise<{ status: number; body: any }> => {
    const inst = instances[Math.floor(Math.random() * instances.length)]!;
    const sentAt = Date.now();
    const sentIn = phase;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (agent) headers['user-agent'] = agent;
    let status: number;
    let parsed: any;
    try {
      const res = await fetch(inst.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      status = res.status;
      const text = await res.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      status = 0; // connection refused or reset (a killed instance), or no answer in 10 s
    }
    answers.push({ phase: sentIn, step, status, sentAt, ms: Date.now() - sentAt });
    return { status, body: parsed };
  };
  const logins: string[] = [];
  const holds: { scheduleId: number; userId: number }[] = [];
  const reservations: number[] = [];
  const worker = async (w: number) => {
    for (let n = 0; running; n += 1) {
      const u = users[(w * 7919 + n) % users.length]!;
      if (n % 5 === 0) {
        const agent = `chaos-${run}-w${w}-n${n}`;
        const r = await call('login', 'POST', '/auth/login', null, { email: u.email, password: BENCH_PASSWORD }, agent);
        if (r.status === 200 || r.status === 401) logins.push(agent);
      }
      const scheduleId = block.firstId + next++;
      const held = await call('hold', 'POST', `/schedules/${scheduleId}/hold`, u.token);
      if (held.status !== 200) continue;
      holds.push({ scheduleId, userId: u.id });
      const reserved = await call('reserve', 'POST', '/reservations', u.token, { scheduleId, participants: 2 });
      if (reserved.status !== 201) continue;
      reservations.push(reserved.body.id as number);
      const { id, orderId, amount } = reserved.body as { id: number; orderId: string; amount: number };
      // The payment widget's step: the mock's checkout issues the paymentKey for this order and amount.
      const session = await fetch(`${mock.url}/__mock/checkout`, { method: 'POST', body: JSON.stringify({ orderId, amount }) }).then(
        (r) => r.json() as Promise<{ paymentKey?: string }>,
        () => ({}) as { paymentKey?: string },
      );
      await call('pay', 'POST', '/orders', u.token, { reservationId: id, paymentKey: session.paymentKey ?? `chaos_${run}_${id}`, orderId, amount });
    }
  };

  begin('baseline');
  const load = Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));
  await pause(CALM_S);
  begin(`database stall ${STALL_S} s`);
  pg.hang();
  await pause(STALL_S);
  pg.restore();
  endFault();
  begin('after the stall');
  await pause(CALM_S);
  begin(`redis cut ${STALL_S} s`);
  redis.refuse();
  await pause(STALL_S);
  redis.restore();
  endFault();
  begin('after the cut');
  await pause(CALM_S);
  begin(`${KILLS} x kill -9`);
  for (let k = 0; k < KILLS; k += 1) {
    const slot = k % INSTANCES;
    const victim = instances[slot]!;
    process.kill(victim.pid, 'SIGKILL');
    await victim.stop();
    instances.splice(slot, 1);
    const restarted = await ctx.startServer('service', env(slot));
    instances.splice(slot, 0, restarted);
    await pause(KILL_EVERY_S);
  }
  endFault();
  begin('after the kills');
  await pause(CALM_S);
  running = false;
  await load;
  phases.at(-1)!.end = Date.now();

  log('chaos: stopping the instances (SIGTERM) and settling payments');
  for (const i of instances) await i.stop();
  // The last instance up replays journals and settles payments in progress; start one, let it, stop it.
  const closer = await ctx.startServer('service', env(0));
  await settle(async () => Number((await db('reservations').where('status', 'PAYMENT_IN_PROGRESS').count<{ n: string }[]>({ n: '*' }))[0]!.n), { stableMs: 4_000, timeoutMs: 60_000 });
  await closer.stop();
  await pg.close();
  await redis.close();

  const loginRows = new Set((await db('login_history').where('user_agent', 'like', `chaos-${run}-%`).select('user_agent')).map((r: { user_agent: string }) => r.user_agent));
  const ids = holds.map((h) => h.scheduleId);
  const events: { schedule_id: number; user_id: number; type: string; reservation_id: number | null }[] = [];
  for (let i = 0; i < ids.length; i += 5_000)
    events.push(
      ...(await db('booking_events')
        .whereIn('schedule_id', ids.slice(i, i + 5_000))
        .select('schedule_id', 'user_id', 'type', 'reservation_id')),
    );
  const held = new Set(events.filter((e) => e.type === 'HELD').map((e) => `${e.schedule_id}:${e.user_id}`));
  const reservedEv = new Set(events.filter((e) => e.type === 'RESERVED').map((e) => e.reservation_id));
  const lost = {
    logins: logins.filter((a) => !loginRows.has(a)).length,
    holds: holds.filter((h) => !held.has(`${h.scheduleId}:${h.userId}`)).length,
    reservations: reservations.filter((r) => !reservedEv.has(r)).length,
  };
  const stats = (await (await fetch(`${mock.url}/__mock/stats`)).json()) as { totalConfirms: number; confirmsByOrderId: Record<string, number> };
  await mock.stop();
  const charged = Object.entries(stats.confirmsByOrderId);
  const settled: { order_id: string; status: string; refund_status: string | null }[] = await db('reservations as r')
    .leftJoin('payments as p', 'p.reservation_id', 'r.id')
    .whereIn(
      'r.order_id',
      charged.map(([o]) => o),
    )
    .select('r.order_id', 'r.status', 'p.refund_status');
  const byOrder = new Map(settled.map((s) => [s.order_id, s]));
  const money = {
    charged: charged.length,
    chargedTwice: charged.filter(([, n]) => n > 1).length,
    confirmed: settled.filter((s) => s.status === 'CONFIRMED').length,
    refunded: settled.filter((s) => s.status !== 'CONFIRMED' && (s.refund_status === 'DONE' || s.refund_status === 'REQUESTED')).length,
    lost: charged.filter(([o]) => {
      const s = byOrder.get(o);
      return !s || (s.status !== 'CONFIRMED' && s.refund_status !== 'DONE' && s.refund_status !== 'REQUESTED');
    }).length,
    stuck: Number((await db('reservations').where('status', 'PAYMENT_IN_PROGRESS').count<{ n: string }[]>({ n: '*' }))[0]!.n),
  };

  const rows: Row[] = [];
  const recoveries: { phase: string; ms: number }[] = [];
  let worstStallP99: number | null = null;
  for (const [index, p] of phases.entries()) {
    const mine = answers.filter((a) => a.phase === p.name);
    const byStatus = new Map<number, number>();
    for (const a of mine) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    const p99 = pct(
      mine.filter((a) => a.status !== 0).map((a) => a.ms),
      99,
    );
    if (p.name.startsWith('database stall')) worstStallP99 = p99;
    const seconds = Math.max(0.001, (p.end - p.start) / 1000);
    let recovery = '';
    if (p.faultEnd !== undefined) {
      // The last failure answered to a request sent after the fault ended and answered before the next fault began: recovery is over by then.
      const until = phases[index + 1]?.end ?? Infinity;
      const after = answers.filter((a) => a.sentAt >= p.faultEnd! && a.sentAt + a.ms <= until && (a.status === 0 || a.status >= 500));
      const last = after.reduce((m, a) => Math.max(m, a.sentAt + a.ms), p.faultEnd);
      recoveries.push({ phase: p.name, ms: last - p.faultEnd });
      recovery = `; recovered ${fmt(last - p.faultEnd)} ms after the fault ended`;
    }
    rows.push({
      scenario: 'chaos',
      run: p.name,
      rate: mine.length / seconds,
      unit: 'answers/s',
      p50: pct(
        mine.map((a) => a.ms),
        50,
      ),
      p99,
      p99raw: null,
      errors: String(byStatus.get(500) ?? 0),
      vsBare: null,
      vsLock: null,
      vsFlash: null,
      cpu: null,
      check: `${[...byStatus]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s === 0 ? 'no answer' : s}:${fmt(n)}`)
        .join(' ')}${failedSteps(mine)}${recovery}`,
    });
  }
  const five00 = answers.filter((a) => a.status === 500).length;
  const rowsLost = lost.logins + lost.holds + lost.reservations;
  return {
    scenario: 'chaos',
    rows,
    targets: [
      target('chaos', 'answers 500', five00, '<=', 0, ''),
      target('chaos', 'p99 during the database stall', worstStallP99, '<=', 2_500, ' ms'),
      target('chaos', 'rows lost (logins, HELD, RESERVED)', rowsLost, '<=', 0, ''),
      ...recoveries.map((r) => target('chaos', `recovery after: ${r.phase}`, r.ms, '<=', 1_000, ' ms')),
      check('chaos', 'money: none charged twice, lost or stuck', money.chargedTwice === 0 && money.lost === 0 && money.stuck === 0, JSON.stringify(money)),
    ],
    notes: [
      `${INSTANCES} instances on one PostgreSQL (through a proxy) and one Redis (through a proxy), Toss mock 20 ms; ${CONNECTIONS} workers, each: a login every 5th round, then hold -> reserve -> pay, every step on a random instance`,
      `faults: PostgreSQL stalled ${STALL_S} s (no RST), Redis refused ${STALL_S} s, ${KILLS} SIGKILLs ${KILL_EVERY_S} s apart (each restarted on its data directory); ${CALM_S} s calm before and after each`,
      `rows: ${fmt(logins.length)} answered logins (${lost.logins} without a row), ${fmt(holds.length)} holds (${lost.holds} without HELD), ${fmt(reservations.length)} reservations (${lost.reservations} without RESERVED)`,
      `money: ${JSON.stringify(money)}`,
      `p50/p99: per request, measured here; "no answer": connection refused or reset (killed instances), or none in 10 s; p99 ignores those (${ms(worstStallP99)} ms during the stall)`,
    ],
    charts: [],
    raw: { phases, lost, money, recoveries },
  };
}

/** Which steps the failures (5xx, no answer) were, e.g. " (hold 503:12 login 503:3)". */
function failedSteps(answers: Answer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) if (a.status === 0 || a.status >= 500) counts.set(`${a.step} ${a.status || 'none'}`, (counts.get(`${a.step} ${a.status || 'none'}`) ?? 0) + 1);
  return counts.size === 0 ? '' : ` (${[...counts].map(([k, n]) => `${k}:${n}`).join(' ')})`;
}
