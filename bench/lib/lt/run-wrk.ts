/**
 * Runs wrk with bench/lib/loadtest.lua: streams its per-second lines into the live progress line
 * and into per-second samples (req/s, unexpected statuses, p50/p99 by series), and parses the
 * BENCH_JSON summary into the same WrkResult shape bench/hold.ts uses.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WrkResult } from '../wrk.js';
import { addInto, countOf, quantileMs, type Hist } from './hist.js';
import { fmt, log, monoS, ms, track } from './progress.js';

export const LOADTEST_LUA = fileURLToPath(new URL('../loadtest.lua', import.meta.url));

export type LtMode = 'hot' | 'distinct' | 'paths' | 'login' | 'flow' | 'touch';

export interface LtOptions {
  url: string;
  threads: number;
  connections: number;
  durationS: number;
  timeoutS: number;
  mode: LtMode;
  /** Tokens (hot, distinct, flow, touch), request paths (paths) or "email\tpassword" lines (login). */
  file: string;
  firstId?: number;
  count?: number;
  /** Name on the progress line; no progress line when absent. */
  label?: string;
  /** Statuses that are normal answers (default: 2xx; hot also 409). */
  ok?: (series: string, status: number) => boolean;
  /** More text for the progress line (e.g. RSS). */
  extra?: () => string;
}

export interface SecondSample {
  /** CLOCK_MONOTONIC second. */
  mono: number;
  n: number;
  /** Answers with an unexpected status in that second. */
  bad: number;
  series: Record<string, { n: number; p50: number | null; p99: number | null }>;
}

export interface LtResult extends WrkResult {
  mode: LtMode;
  samples: SecondSample[];
  /** Whole-run latency by series (flow: hold, reserve, pay), from the script's histograms. */
  series: Record<string, { count: number; p50: number | null; p90: number | null; p99: number | null }>;
  /** Answers with a status other than the expected ones. */
  unexpected: number;
  /** Flow mode: bookings paid; failed steps by "series|status". */
  completed: number;
  failed: Record<string, number>;
}

interface Second {
  c: Map<string, number>;
  h: Map<string, Hist>;
}
interface Line {
  s: number;
  c: Record<string, number>;
  /** "series|bucket" -> count */
  h: Record<string, number>;
}

/** "series|status" and "series|bucket" keys of the script's tables. */
const KEY = /^[a-z]+\|\d+$/;

// A login shed past the hash queue's bound (503 with Retry-After) is the service doing its job; the script backs off as told.
const defaultOk = (mode: LtMode) => (_series: string, status: number) => (status >= 200 && status < 300) || (mode === 'hot' && status === 409) || (mode === 'login' && status === 503);

/** BENCH_JSON; Lua's %q escapes of a garbled key (\ddd, a backslash before a newline) are dropped first when it does not parse. */
function parseSummary(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    log(`wrk's summary had garbled bytes; reading it without them`);
    // Control characters are exactly what is being removed.
    // eslint-disable-next-line no-control-regex
    const controls = /[\u0000-\u001f\u007f]/g;
    return JSON.parse(
      text
        .replace(/\\\d{1,3}/g, '')
        .replace(/\\\n/g, '')
        .replace(controls, ''),
    );
  }
}

export async function runLt(o: LtOptions): Promise<LtResult> {
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    '--timeout',
    `${o.timeoutS}s`,
    '-s',
    LOADTEST_LUA,
    o.url,
    '--',
    o.mode,
    String(o.threads),
    o.file,
    String(o.firstId ?? 1),
    String(o.count ?? 0),
  ];
  const ok = o.ok ?? defaultOk(o.mode);
  const seconds = new Map<number, Second>();
  const add = (l: Line) => {
    let sec = seconds.get(l.s);
    if (!sec) seconds.set(l.s, (sec = { c: new Map(), h: new Map() }));
    for (const [k, n] of Object.entries(l.c)) if (KEY.test(k)) sec.c.set(k, (sec.c.get(k) ?? 0) + n);
    for (const [k, n] of Object.entries(l.h)) {
      if (!KEY.test(k)) continue;
      const [series, bucket] = k.split('|') as [string, string];
      if (!sec.h.has(series)) sec.h.set(series, new Map());
      addInto(sec.h.get(series)!, { [bucket]: n });
    }
  };
  const summarize = (mono: number, sec: Second | undefined): SecondSample => {
    let n = 0;
    let bad = 0;
    for (const [k, c] of sec?.c ?? []) {
      const [series, status] = k.split('|');
      n += c;
      if (!ok(series!, Number(status))) bad += c;
    }
    const series = Object.fromEntries([...(sec?.h ?? [])].map(([name, h]) => [name, { n: countOf(h), p50: quantileMs(h, 0.5), p99: quantileMs(h, 0.99) }]));
    return { mono, n, bad, series };
  };

  const startMono = monoS();
  let badTotal = 0;
  const shown = new Set<number>();
  const untrack = o.label
    ? track(() => {
        const s = Math.floor(monoS()) - 1;
        const sample = summarize(s, seconds.get(s));
        if (!shown.has(s)) badTotal += sample.bad;
        shown.add(s);
        const p99 = Object.entries(sample.series)
          .map(([name, v]) => (name === 'all' ? `p99 ${ms(v.p99)} ms` : `${name} p99 ${ms(v.p99)}`))
          .join(' ');
        const t = Math.max(0, Math.round(monoS() - startMono));
        return `${o.label} ${t}s ${fmt(sample.n)} req/s ${p99 || 'p99 -'} errors ${fmt(sample.bad)} (total ${fmt(badTotal)})${o.extra ? ` ${o.extra()}` : ''}`;
      })
    : () => undefined;

  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  let stopped = 0;
  let malformed = 0;
  let summary = '';
  let err = '';
  const lines: string[] = [];
  child.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith('S ')) {
        try {
          add(JSON.parse(line.slice(2)) as Line);
        } catch {
          // A sample line is worth a warning, not the run.
          if (malformed++ === 0) log(`${o.label ?? o.mode}: unreadable sample line from wrk: ${line.slice(0, 300)}`);
        }
      }
      // Every thread ran out of ids: SIGINT makes wrk stop sleeping out -d and report.
      else if (line === 'STOP' && ++stopped === o.threads) child.kill('SIGINT');
      else if (line.startsWith('BENCH_JSON ')) summary = line.slice('BENCH_JSON '.length);
      else if (lines.length < 50) lines.push(line);
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  untrack();
  if (partial.startsWith('BENCH_JSON ')) summary = partial.slice('BENCH_JSON '.length);
  if (code !== 0 || !summary) throw new Error(`wrk failed (exit ${code}):\n${lines.join('\n')}\n${err}`);
  const j = parseSummary(summary) as {
    requests: number;
    duration_us: number;
    errors: WrkResult['errors'];
    latency_us: Record<'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean', number>;
    statuses: Record<string, number>;
    winners: Record<string, number>;
    failed: Record<string, number>;
    used: number;
    completed: number;
    max_id: number;
  };
  // Keys copied across wrk's threads have come back garbled now and then: keep the well-formed ones.
  for (const name of ['statuses', 'failed'] as const) j[name] = Object.fromEntries(Object.entries(j[name]).filter(([k]) => KEY.test(k)));
  j.winners = Object.fromEntries(Object.entries(j.winners).filter(([k]) => /^\d+\|[0-9T:.+Z-]+$/.test(k)));

  const keys = [...seconds.keys()];
  const samples: SecondSample[] = [];
  if (keys.length) for (let s = Math.min(...keys); s <= Math.max(...keys); s += 1) samples.push(summarize(s, seconds.get(s)));
  const whole = new Map<string, Hist>();
  for (const sec of seconds.values()) for (const [name, h] of sec.h) addInto(whole.get(name) ?? whole.set(name, new Map()).get(name)!, h);
  const series = Object.fromEntries([...whole].map(([name, h]) => [name, { count: countOf(h), p50: quantileMs(h, 0.5), p90: quantileMs(h, 0.9), p99: quantileMs(h, 0.99) }]));
  // One series: statuses by code, as bench/hold.ts has them; flow keeps "series|status".
  const single = Object.keys(j.statuses).every((k) => k.startsWith('all|'));
  const statuses = Object.fromEntries(Object.entries(j.statuses).map(([k, n]) => [single ? k.slice(4) : k, n]));
  const unexpected = Object.entries(j.statuses).reduce((sum, [k, n]) => (ok(k.split('|')[0]!, Number(k.split('|')[1])) ? sum : sum + n), 0);
  const msOf = (us: number) => Math.round(us) / 1000;
  const durationS = j.duration_us / 1e6;
  return {
    mode: o.mode,
    requests: j.requests,
    durationS,
    rps: j.requests / durationS,
    latencyMs: { p50: msOf(j.latency_us.p50), p90: msOf(j.latency_us.p90), p99: msOf(j.latency_us.p99), p999: msOf(j.latency_us.p999), max: msOf(j.latency_us.max), mean: msOf(j.latency_us.mean) },
    errors: j.errors,
    statuses,
    winners: j.winners,
    // Threads take interleaved ids at their own pace: a distinct run's rows to check span up to the highest id sent.
    used: o.mode === 'distinct' && j.max_id > 0 ? j.max_id - (o.firstId ?? 1) + 1 : j.used,
    command: `wrk ${args.join(' ')}`,
    samples,
    series,
    unexpected,
    completed: j.completed,
    failed: j.failed,
  };
}
