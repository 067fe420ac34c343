/** hold-hot and hold-distinct: bench/hold.ts's runs (lib/holdrun.ts) driven by loadtest.lua, with the ceiling and the lock baseline beside them. */
import { runHoldWithRetries, type HoldScenario, type HoldSettings } from '../holdrun.js';
import type { RunResult } from '../report.js';
import type { Server } from '../servers.js';
import type { Ctx } from './context.js';
import { chartsOf, check, errorsOf, ratio, row, target, type ScenarioReport, type Target } from './report.js';
import type { LtResult } from './run-wrk.js';

export async function holdScenario(ctx: Ctx, scenario: 'hold-hot' | 'hold-distinct', mode: 'hot' | 'distinct'): Promise<ScenarioReport> {
  const o = ctx.opt;
  const settings: HoldSettings = {
    threads: o.threads, connections: o.connections ?? 1000, durationS: o.durationS ?? 10, warmupS: o.warmupS, timeoutS: o.timeoutS ?? 5,
    hotSchedules: 10, distinctSchedules: 300_000, retries: o.retries,
  };
  const runs: HoldScenario[] = [
    { name: 'bare-koa', label: 'bare-Koa ceiling', server: 'bare-koa', mode },
    ...(o.compareLock ? [{ name: 'lock', label: 'lock baseline', server: 'lock-baseline' as const, mode }] : []),
    { name: 'service', label: o.target ? `service ${o.target.origin}` : 'service', server: 'service', mode },
  ];
  const deps = ctx.holdDeps(scenario, settings);
  const done = new Map<Server, RunResult<LtResult>>();
  for (const s of runs) done.set(s.server, await runHoldWithRetries(deps, s));
  const bare = done.get('bare-koa')!;
  const lock = done.get('lock-baseline');
  const svc = done.get('service')!;
  const ok = (status: string) => status.startsWith('2') || (mode === 'hot' && status === '409');
  const rows = [...done.values()].map((r) =>
    row(scenario, `${r.label}${r.attempts > 1 ? ` [best of ${r.attempts}]` : ''}`, r.wrk, {
      cpu: r.cpu,
      errors: errorsOf(r.wrk, ok),
      check: r.check?.summary ?? '-',
      vsBare: ratio(r.wrk.rps, bare.wrk.rps),
      vsLock: ratio(r.wrk.rps, lock?.wrk.rps),
    }),
  );
  const noLock = o.compareLock ? '' : ' (run with --compare-lock)';
  const targets: Target[] = [];
  if (mode === 'hot') {
    targets.push(target(scenario, 'service req/s vs bare-Koa', ratio(svc.wrk.rps, bare.wrk.rps), '>=', 0.75));
    targets.push(target(scenario, `service req/s vs lock baseline${noLock}`, ratio(svc.wrk.rps, lock?.wrk.rps), '>=', 4));
    targets.push(target(scenario, 'service p99 vs bare-Koa p99', ratio(svc.wrk.latencyMs.p99, bare.wrk.latencyMs.p99), '<=', 1.5));
    const checked = [svc, lock].filter((r): r is RunResult<LtResult> => Boolean(r?.check));
    targets.push(check(scenario, 'exactly one winner per schedule', checked.length ? checked.every((r) => r.check!.ok) : null, checked.map((r) => `${r.server}: ${r.check!.ok ? 'OK' : 'FAIL'}`).join(', ')));
  } else {
    targets.push(target(scenario, `service req/s vs lock baseline${noLock}`, ratio(svc.wrk.rps, lock?.wrk.rps), '>=', 3));
    targets.push(check(scenario, 'no schedule held twice', svc.check ? svc.check.ok : null, svc.check ? `${svc.check.overwritten} overwritten` : 'n/a'));
  }
  return {
    scenario,
    rows,
    targets,
    notes: [`wrk ${settings.threads} threads, ${settings.connections} connections, ${settings.durationS} s after ${settings.warmupS} s warm-up; ${mode === 'hot' ? '10 schedules' : 'a new schedule per request'}; ${ctx.userIds.length} users`],
    charts: chartsOf(scenario, [...done.values()].map((r) => ({ name: r.label, samples: r.wrk.samples }))),
    raw: { settings, runs: [...done.values()].map((r) => ({ ...r, wrk: { ...r.wrk, winners: Object.keys(r.wrk.winners).length } })) },
  };
}
