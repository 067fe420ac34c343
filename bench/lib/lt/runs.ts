/** A warm-up then a measured wrk run against a started server, with the CPU split of the measured part. */
import { snapshot, split, type CpuSplit } from '../cpu.js';
import type { Started } from '../holdrun.js';
import type { Ctx } from './context.js';
import { log } from './progress.js';
import { runLt, type LtOptions, type LtResult } from './run-wrk.js';

export type LoadSpec = Omit<LtOptions, 'url' | 'label' | 'durationS'> & { durationS: number };

export interface Measured {
  r: LtResult;
  cpu: CpuSplit;
}

/** Runs `spec` against `server`: a warm-up of ctx.opt.warmupS first (on `warm` ids when given; none when false). */
export async function measure(ctx: Ctx, name: string, server: Started, spec: LoadSpec, warm?: { firstId: number; count: number } | false): Promise<Measured> {
  if (ctx.opt.warmupS > 0 && warm !== false) {
    await runLt({ ...spec, ...(warm ?? {}), url: server.url, durationS: ctx.opt.warmupS, label: `${name} (warm-up)` });
    await new Promise((r) => setTimeout(r, 500));
  }
  log(`${name}: ${spec.durationS}s, ${spec.connections} connections`);
  const before = snapshot();
  const t0 = performance.now();
  const r = await runLt({ ...spec, url: server.url, label: name });
  const cpu = split(before, snapshot(), (performance.now() - t0) / 1000, server.pid);
  log(`${name}: ${Math.round(r.rps)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`);
  return { r, cpu };
}

/** Starts a server, measures (after a warm-up), stops it. */
export async function measureOn(ctx: Ctx, name: string, start: () => Promise<Started>, spec: LoadSpec): Promise<Measured> {
  const server = await start();
  try {
    return await measure(ctx, name, server, spec);
  } finally {
    await server.stop();
  }
}

/** The median element by `key` (the lower middle one of an even count). */
export function medianBy<T>(list: readonly T[], key: (t: T) => number): T {
  if (list.length === 0) throw new Error('medianBy: empty list');
  return [...list].sort((a, b) => key(a) - key(b))[Math.floor((list.length - 1) / 2)]!;
}
