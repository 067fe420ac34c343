/** What a loadtest scenario reports, the combined table, and rows made from wrk results. */
import type { CpuSplit } from '../cpu.js';
import { fmt, ms } from './progress.js';
import type { LtResult, SecondSample } from './run-wrk.js';

export interface Row {
  scenario: string;
  run: string;
  rate: number | null;
  unit: string;
  /** wrk's percentiles (wrk corrects them for coordinated omission, as bench:hold reports them). */
  p50: number | null;
  p99: number | null;
  /** p99 of the latencies measured per request by the script (no correction). */
  p99raw: number | null;
  errors: string;
  vsBare: number | null;
  vsLock: number | null;
  vsFlash: number | null;
  cpu: CpuSplit | null;
  check: string;
}

export interface Target {
  scenario: string;
  name: string;
  value: string;
  target: string;
  pass: boolean | null;
}

export interface Chart {
  title: string;
  unit: string;
  log?: boolean;
  /** x: seconds since the scenario's first sample. */
  lines: { name: string; points: [number, number | null][] }[];
}

export interface ScenarioReport {
  scenario: string;
  rows: Row[];
  targets: Target[];
  notes: string[];
  charts: Chart[];
  raw: Record<string, unknown>;
  error?: string;
}

export const ratio = (a: number | null | undefined, b: number | null | undefined): number | null => (a == null || b == null || b === 0 ? null : a / b);

/** Unexpected statuses by code, then wrk's socket errors and timeouts. */
export function errorsOf(r: LtResult, ok: (status: string) => boolean = (s) => s.startsWith('2')): string {
  const bad = Object.entries(r.statuses).filter(([k]) => !ok(k.split('|').pop()!));
  const parts = bad.sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}:${fmt(n)}`);
  for (const k of ['connect', 'read', 'write', 'timeout'] as const) if (r.errors[k] > 0) parts.push(`${k} ${fmt(r.errors[k])}`);
  return parts.length ? parts.join(' ') : '0';
}

/**
 * Unexpected statuses and socket errors. wrk's `timeout` is left out: it counts, at checks every 2 s,
 * connections whose request is older than --timeout *or that have not sent one yet* (still connecting:
 * with 1000 connections opened at once the listen queue overflows and connects are retried), so it
 * shows in the errors column but is no error by itself; slow answers show in p99 instead.
 */
export const errorCount = (r: LtResult): number => r.unexpected + r.errors.connect + r.errors.read + r.errors.write;

export function row(scenario: string, run: string, r: LtResult, extra: Partial<Row> = {}): Row {
  return {
    scenario,
    run,
    rate: r.rps,
    unit: 'req/s',
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    p99raw: r.series.all?.p99 ?? null,
    errors: errorsOf(r),
    vsBare: null,
    vsLock: null,
    vsFlash: null,
    cpu: null,
    check: '-',
    ...extra,
  };
}

export function target(scenario: string, name: string, value: number | null, cmp: '>=' | '<=' | '<', limit: number, unit = 'x'): Target {
  const pass = value === null || Number.isNaN(value) ? null : cmp === '>=' ? value >= limit : cmp === '<=' ? value <= limit : value < limit;
  return { scenario, name, value: value === null ? 'n/a' : `${value.toFixed(2)}${unit}`, target: `${cmp} ${limit}${unit}`, pass };
}

export const check = (scenario: string, name: string, ok: boolean | null, value: string): Target => ({ scenario, name, value, target: 'holds', pass: ok });

/**
 * Per-second lines for a chart: p99 and answers/s of each run. x counts from each run's own first
 * second, or (shared) from the earliest second of all runs, for runs that ran at the same time.
 */
export function chartsOf(title: string, runs: { name: string; samples: SecondSample[]; series?: string }[], shared = false): Chart[] {
  const first = (r: { samples: SecondSample[] }) => r.samples[0]?.mono ?? 0;
  const origin = Math.min(...runs.map(first));
  const lines = (f: (s: SecondSample, series: string) => number | null) =>
    runs.map((r) => ({ name: r.name, points: r.samples.map((s): [number, number | null] => [s.mono - (shared ? origin : first(r)), f(s, r.series ?? 'all')]) }));
  return [
    { title: `${title}: p99 latency per second (per request, measured by the wrk script)`, unit: 'ms', log: true, lines: lines((s, k) => s.series[k]?.p99 ?? null) },
    { title: `${title}: answers per second`, unit: 'req/s', lines: lines((s) => s.n) },
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export const HEADINGS = ['scenario', 'run', 'throughput', 'p50 ms', 'p99 ms', 'p99 raw ms', 'errors', 'vs bare-Koa', 'vs lock', 'vs flash', 'CPU srv/pg/wrk/irq/other', 'check'];

export function cells(r: Row): string[] {
  const x = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)}x`);
  const cpu = r.cpu ? [r.cpu.server, r.cpu.postgres, r.cpu.wrk, r.cpu.irq, r.cpu.other].map((c) => c.toFixed(2)).join('/') : '-';
  return [
    r.scenario,
    r.run,
    r.rate === null ? '-' : `${fmt(r.rate, r.rate < 100 ? 1 : 0)} ${r.unit}`,
    ms(r.p50),
    ms(r.p99),
    ms(r.p99raw),
    r.errors,
    x(r.vsBare),
    x(r.vsLock),
    x(r.vsFlash),
    cpu,
    r.check,
  ];
}

export function verdict(t: Target): string {
  return t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS';
}

export function render(reports: ScenarioReport[], header: string): string {
  const rows = [HEADINGS, ...reports.flatMap((r) => r.rows.map(cells))];
  const failed = reports.filter((r) => r.error).map((r) => `FAILED ${r.scenario}: ${r.error!.split('\n')[0]}`);
  const width = Math.max(0, ...reports.flatMap((r) => r.targets.map((t) => `${t.scenario}: ${t.name}`.length)));
  const targets = reports.flatMap((r) => r.targets.map((t) => `  ${verdict(t)}  ${`${t.scenario}: ${t.name}`.padEnd(width)}  ${t.value.padStart(9)}   target ${t.target}`));
  const notes = reports.flatMap((r) => r.notes.map((n) => `  ${r.scenario}: ${n}`));
  return [header, '', table(rows), ...(failed.length ? ['', ...failed] : []), '', 'targets:', ...targets, ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}
