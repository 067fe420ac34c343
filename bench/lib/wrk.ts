/** Runs wrk with bench/lib/hold.lua and parses the JSON line its done() prints. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const HOLD_LUA = fileURLToPath(new URL('./hold.lua', import.meta.url));

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationS: number;
  timeoutS: number;
  mode: 'hot' | 'distinct';
  tokensFile: string;
  firstId: number;
  count: number;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  /** Socket errors and timeouts as wrk counts them; `status` is its count of non-2xx/3xx answers. */
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
  statuses: Record<string, number>;
  /** Hot mode: "scheduleId|holdExpiresAt" of every distinct hold answered 200. */
  winners: Record<string, number>;
  /** Distinct mode: schedule ids handed out. */
  used: number;
  command: string;
}

/** The version line of wrk, or null when it is not on PATH. */
export function wrkVersion(): string | null {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return null;
  const first = `${r.stdout}${r.stderr}`.split('\n')[0]!.trim();
  return first.match(/^wrk \S+/)?.[0] ?? first;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    `--timeout`,
    `${o.timeoutS}s`,
    '-s',
    HOLD_LUA,
    o.url,
    '--',
    o.mode,
    o.tokensFile,
    String(o.firstId),
    String(o.count),
    String(o.threads),
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}\n${err}`);
  const j = JSON.parse(line.slice('BENCH_JSON '.length)) as {
    requests: number;
    duration_us: number;
    errors: WrkResult['errors'];
    latency_us: Record<'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean', number>;
    statuses: Record<string, number>;
    winners: Record<string, number>;
    used: number;
  };
  const ms = (us: number) => Math.round(us) / 1000;
  const durationS = j.duration_us / 1e6;
  return {
    requests: j.requests,
    durationS,
    rps: j.requests / durationS,
    latencyMs: { p50: ms(j.latency_us.p50), p90: ms(j.latency_us.p90), p99: ms(j.latency_us.p99), p999: ms(j.latency_us.p999), max: ms(j.latency_us.max), mean: ms(j.latency_us.mean) },
    errors: j.errors,
    statuses: j.statuses,
    winners: j.winners,
    used: j.used,
    command: `wrk ${args.join(' ')}`,
  };
}
