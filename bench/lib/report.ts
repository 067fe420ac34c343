/** The results table, the ratios against the issue's targets, and the JSON shape written to bench/results. */
import type { CpuSplit } from './cpu.js';
import type { HoldCheck } from './db.js';
import type { WrkResult } from './wrk.js';

export interface RunResult<W extends WrkResult = WrkResult> {
  scenario: string;
  label: string;
  server: string;
  wrk: W;
  /** Cores used during the measured run by the server, PostgreSQL, wrk and everything else. */
  cpu: CpuSplit;
  /** How many times the scenario ran (repeated while other work disturbed it); this is the least disturbed. */
  attempts: number;
  check?: HoldCheck & { ok: boolean; summary: string };
  ids?: { used: number; available: number };
}

export interface Ratio {
  name: string;
  value: number | null;
  target: string;
  pass: boolean | null;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function non2xx(w: WrkResult): string {
  const other = Object.entries(w.statuses).filter(([code]) => !code.startsWith('2'));
  const total = other.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return '0';
  const parts = other.sort(([a], [b]) => a.localeCompare(b)).map(([code, n]) => `${code}:${fmt(n)}`);
  return `${fmt(total)} (${parts.join(' ')})`;
}

export function errors(w: WrkResult): string {
  const e = w.errors;
  const parts = (['connect', 'read', 'write', 'timeout'] as const).filter((k) => e[k] > 0).map((k) => `${k} ${fmt(e[k])}`);
  return parts.length ? parts.join(', ') : '0';
}

export function ratios(runs: Map<string, RunResult>): Ratio[] {
  const get = (k: string) => runs.get(k);
  const div = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? null : a / b);
  const hot = get('hot');
  const lockHot = get('lock-hot');
  const flashHot = get('flash-hot');
  const bare = get('bare-koa');
  const distinct = get('distinct');
  const lockDistinct = get('lock-distinct');
  const out: Ratio[] = [];
  const atLeast = (name: string, value: number | null, min: number, target: string) => out.push({ name, value, target, pass: value === null ? null : value >= min });
  atLeast('hot vs lock baseline (req/s)', div(hot?.wrk.rps, lockHot?.wrk.rps), 3, '>= 3x');
  atLeast('hot vs flash-sale baseline (req/s)', div(hot?.wrk.rps, flashHot?.wrk.rps), 1.5, '>= 1.5x');
  atLeast('hot vs bare-Koa ceiling (req/s)', div(hot?.wrk.rps, bare?.wrk.rps), 0.6, '>= 0.60x');
  const p99 = div(hot?.wrk.latencyMs.p99, bare?.wrk.latencyMs.p99);
  out.push({ name: 'hot p99 vs ceiling p99', value: p99, target: '<= 2x', pass: p99 === null ? null : p99 <= 2 });
  const hotChecks = [hot, lockHot, flashHot].filter((r): r is RunResult => Boolean(r?.check));
  out.push({ name: 'one winner per schedule (hot runs)', value: null, target: 'exactly 1', pass: hotChecks.length ? hotChecks.every((r) => r.check!.ok) : null });
  atLeast('distinct vs lock baseline (req/s)', div(distinct?.wrk.rps, lockDistinct?.wrk.rps), 1.5, '>= 1.5x');
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export function render(runs: RunResult[], rs: Ratio[], header: string): string {
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx (by status)', 'errors', 'winners per schedule', 'CPU srv/pg/wrk/irq/other', 'srv+pg CPU us/req']];
  for (const r of runs) {
    rows.push([
      r.attempts > 1 ? `${r.label} [best of ${r.attempts}]` : r.label,
      fmt(r.wrk.rps),
      fmt(r.wrk.latencyMs.p50, 2),
      fmt(r.wrk.latencyMs.p99, 2),
      non2xx(r.wrk),
      errors(r.wrk),
      r.check?.summary ?? '-',
      [r.cpu.server, r.cpu.postgres, r.cpu.wrk, r.cpu.irq, r.cpu.other].map((c) => c.toFixed(2)).join('/'),
      `${fmt((r.cpu.server * 1e6) / r.wrk.rps)}+${fmt((r.cpu.postgres * 1e6) / r.wrk.rps)}`,
    ]);
  }
  const ratioLines = rs.map((x) => {
    const verdict = x.pass === null ? 'n/a ' : x.pass ? 'PASS' : 'MISS';
    const value = x.value === null ? '' : `${x.value.toFixed(2)}x`;
    return `  ${verdict}  ${x.name.padEnd(36)} ${value.padStart(7)}   target ${x.target}`;
  });
  const disturbed = runs
    .filter((r) => r.cpu.other > 0.25)
    .map((r) => `  ${r.label}: ${r.cpu.other.toFixed(2)} cores of other work${r.cpu.otherTop.length ? `, busiest: ${r.cpu.otherTop.join('; ')}` : ''}`);
  const notes = disturbed.length ? ['', 'disturbed runs (other work on the machine during the run):', ...disturbed] : [];
  return [header, '', table(rows), ...notes, '', 'ratios:', ...ratioLines].join('\n');
}
