/**
 * hold-hot and hold-distinct: bench/hold.ts's runs (lib/holdrun.ts) driven by loadtest.lua, with the
 * ceiling, the lock baseline and the flash-sale baseline (Redis SET NX PX) beside them.
 */
import { runHoldWithRetries, type HoldScenario, type HoldSettings } from '../holdrun.js';
import type { RunResult } from '../report.js';
import type { Server } from '../servers.js';
import type { Ctx } from './context.js';
import { chartsOf, check, errorsOf, ratio, row, target, type ScenarioReport, type Target } from './report.js';
import type { LtResult } from './run-wrk.js';
import { medianBy } from './runs.js';

/** Accounts per run of hold-distinct: more than a run's holds, so nobody reaches the shipped cap. */
const CROWD = 150_000;

export async function holdScenario(ctx: Ctx, scenario: 'hold-hot' | 'hold-distinct', mode: 'hot' | 'distinct'): Promise<ScenarioReport> {
  const o = ctx.opt;
  const settings: HoldSettings = {
    threads: o.threads,
    connections: o.connections ?? 1000,
    durationS: o.durationS ?? 10,
    warmupS: o.warmupS,
    timeoutS: o.timeoutS ?? 5,
    hotSchedules: 10,
    distinctSchedules: 300_000,
    retries: o.retries,
  };
  const runs: HoldScenario[] = [
    { name: 'bare-koa', label: 'bare-Koa ceiling', server: 'bare-koa', mode },
    ...(o.compareLock ? [{ name: 'lock', label: 'lock baseline', server: 'lock-baseline' as const, mode }] : []),
    ...(o.compareFlash ? [{ name: 'flash', label: 'flash-sale baseline (Redis)', server: 'flash-sale' as const, mode }] : []),
    { name: 'service', label: o.target ? `service ${o.target.origin}` : 'service', server: 'service', mode },
  ];
  // Every distinct hold is a new person's: a crowd per run, each holding at most twice (warm-up and run).
  const crowd = mode === 'distinct' ? CROWD : undefined;
  const deps = ctx.holdDeps(scenario, settings, crowd);
  // Rounds interleave the servers, so a slow stretch of the shared machine falls on all of them.
  const all = new Map<Server, RunResult<LtResult>[]>(runs.map((s) => [s.server, []]));
  for (let round = 0; round < o.rounds; round += 1) {
    for (const s of runs) all.get(s.server)!.push(await runHoldWithRetries(deps, s));
  }
  const done = new Map([...all].map(([server, list]) => [server, medianBy(list, (r) => r.wrk.rps)]));
  const bare = done.get('bare-koa')!;
  const lock = done.get('lock-baseline');
  const flash = done.get('flash-sale');
  const svc = done.get('service')!;
  const ok = (status: string) => status.startsWith('2') || (mode === 'hot' && status === '409');
  const rows = [...done.values()].map((r) =>
    row(scenario, `${r.label}${o.rounds > 1 ? ` [median of ${o.rounds}]` : ''}${r.attempts > 1 ? ` [best of ${r.attempts}]` : ''}`, r.wrk, {
      cpu: r.cpu,
      errors: errorsOf(r.wrk, ok),
      check: r.check?.summary ?? '-',
      vsBare: ratio(r.wrk.rps, bare.wrk.rps),
      vsLock: ratio(r.wrk.rps, lock?.wrk.rps),
      vsFlash: ratio(r.wrk.rps, flash?.wrk.rps),
    }),
  );
  const noLock = o.compareLock ? '' : ' (run with --compare-lock)';
  const noFlash = o.compareFlash ? '' : ' (run with --compare-flash)';
  // Every round's rows are checked, not only the median's; the references' rows as well as the service's.
  const checkedRuns = (...servers: Server[]) => servers.flatMap((s) => all.get(s) ?? []).filter((r) => Boolean(r.check));
  const targets: Target[] = [];
  if (mode === 'hot') {
    targets.push(target(scenario, 'service req/s vs bare-Koa', ratio(svc.wrk.rps, bare.wrk.rps), '>=', 0.75));
    targets.push(target(scenario, `service req/s vs lock baseline${noLock}`, ratio(svc.wrk.rps, lock?.wrk.rps), '>=', 4));
    targets.push(target(scenario, `service req/s vs flash-sale baseline${noFlash}`, ratio(svc.wrk.rps, flash?.wrk.rps), '>=', 1.5));
    targets.push(target(scenario, 'service p99 vs bare-Koa p99', ratio(svc.wrk.latencyMs.p99, bare.wrk.latencyMs.p99), '<=', 1.5));
    const checked = checkedRuns('service', 'lock-baseline', 'flash-sale');
    targets.push(
      check(scenario, 'exactly one winner per schedule', checked.length ? checked.every((r) => r.check!.ok) : null, `${checked.filter((r) => r.check!.ok).length}/${checked.length} runs OK`),
    );
  } else {
    targets.push(target(scenario, `service req/s vs lock baseline${noLock}`, ratio(svc.wrk.rps, lock?.wrk.rps), '>=', 3));
    const svcRuns = checkedRuns('service', 'flash-sale');
    targets.push(
      check(
        scenario,
        'no schedule held twice',
        svcRuns.length ? svcRuns.every((r) => r.check!.ok) : null,
        svcRuns.length ? `${svcRuns.reduce((n, r) => n + r.check!.overwritten, 0)} overwritten in ${svcRuns.length} runs` : 'n/a',
      ),
    );
  }
  return {
    scenario,
    rows,
    targets,
    notes: [
      ...(o.compareFlash
        ? [
            'flash-sale baseline: bench/flash-sale.ts, the hold taken in Redis (SET NX PX, one Lua call), only the winner writes PostgreSQL, losers answered from Redis; JWT memo and a prom-client histogram, no session check or per-user cap',
          ]
        : []),
      `wrk ${settings.threads} threads, ${settings.connections} connections, ${settings.durationS} s after ${settings.warmupS} s warm-up; ${mode === 'hot' ? `10 schedules; ${ctx.userIds.length} users, per-user caps lifted` : `a new schedule per request; each run a crowd of ${CROWD.toLocaleString('en-US')} new accounts, each holding at most twice, the service with the caps as shipped`}`,
      ...(o.rounds > 1
        ? [`${o.rounds} interleaved rounds, req/s per round: ${[...all].map(([server, list]) => `${server} ${list.map((r) => Math.round(r.wrk.rps).toLocaleString('en-US')).join(' / ')}`).join('; ')}`]
        : []),
    ],
    charts: chartsOf(
      scenario,
      [...done.values()].map((r) => ({ name: r.label, samples: r.wrk.samples })),
    ),
    raw: { settings, runs: [...done.values()].map((r) => ({ ...r, wrk: { ...r.wrk, winners: Object.keys(r.wrk.winners).length } })) },
  };
}
