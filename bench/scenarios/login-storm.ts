/**
 * login-storm: 1000 connections POST /auth/login for 30 s, cycling through 200 users whose real
 * passwords were hashed with src/services/password.ts (production scrypt cost). Beside it: the
 * bare-Koa ceiling (same requests) and the password-hash ceiling (verifyPassword per second on all
 * cores, measured in a child process with the service's UV_THREADPOOL_SIZE). Afterwards it waits for
 * the history actor's flush and counts login_history rows and INSERT statements.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../src/services/password.js';
import { ROOT } from '../lib/child.js';
import { snapshot, split, type CpuSplit } from '../lib/cpu.js';
import { ENTRIES } from '../lib/servers.js';
import type { Ctx } from '../lib/lt/context.js';
import { gauge, scrape, settle, sum } from '../lib/lt/metrics.js';
import { fmt, log } from '../lib/lt/progress.js';
import { chartsOf, check, errorCount, ratio, row, target, type ScenarioReport } from '../lib/lt/report.js';
import { measure, measureOn } from '../lib/lt/runs.js';

const USERS = 200;
const HASH_SECONDS = 8;

/** verifyPassword calls per second in a child process with the service's thread pool size. */
async function hashOnce(ctx: Ctx): Promise<{ perSecond: number; pool: number; cores: number; cpu: CpuSplit }> {
  const before = snapshot();
  const t0 = performance.now();
  const child = spawn(process.execPath, [ENTRIES['hash-ceiling'], String(HASH_SECONDS)], {
    cwd: ROOT,
    env: { ...process.env, UV_THREADPOOL_SIZE: String(ctx.uvPool) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`hash-ceiling child exited ${code}`);
  // The child has exited: its CPU is in our reaped children's time (the split's "wrk" share).
  const cpu = split(before, snapshot(), (performance.now() - t0) / 1000, 0);
  const j = JSON.parse(out) as { perSecond: number; pool: number };
  return { perSecond: j.perSecond, pool: j.pool, cores: cpu.wrk, cpu: { ...cpu, server: cpu.wrk, wrk: 0 } };
}

/** The ceiling; measured again (up to twice) while other work disturbed it, keeping the best. */
async function hashCeiling(ctx: Ctx): Promise<{ perSecond: number; pool: number; cores: number; cpu: CpuSplit; attempts: number }> {
  log(`password-hash ceiling: ${HASH_SECONDS}s of verifyPassword with UV_THREADPOOL_SIZE=${ctx.uvPool}`);
  let best = { ...(await hashOnce(ctx)), attempts: 1 };
  for (let attempt = 2; attempt <= 3 && best.cpu.other + best.cpu.postgres > 0.25; attempt += 1) {
    log(`password-hash ceiling: ${(best.cpu.other + best.cpu.postgres).toFixed(2)} cores of other work during it; measuring again`);
    const again = await hashOnce(ctx);
    best = again.perSecond > best.perSecond ? { ...again, attempts: attempt } : { ...best, attempts: attempt };
  }
  return best;
}

const count = async (ctx: Ctx) => Number((await ctx.bench.db('login_history').count<{ n: string }[]>({ n: '*' }))[0]!.n);

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  const o = ctx.opt;
  const ceiling = await hashCeiling(ctx);
  log(`password-hash ceiling: ${fmt(ceiling.perSecond, 1)} hashes/s (${ceiling.cores.toFixed(2)} cores); hashing ${USERS} real passwords`);
  const tag = randomBytes(3).toString('hex');
  const users = Array.from({ length: USERS }, (_, i) => ({ email: `login-${tag}-${i + 1}@bench.local`, password: `pw-${randomBytes(8).toString('hex')}` }));
  const hashes = await Promise.all(users.map((u) => hashPassword(u.password)));
  await ctx.bench.db('users').insert(users.map((u, i) => ({ email: u.email, password_hash: hashes[i], name: `Login ${i + 1}`, role: 'USER' })));
  const file = join(ctx.tmp, 'logins.txt');
  writeFileSync(file, users.map((u) => `${u.email}\t${u.password}`).join('\n') + '\n');
  const spec = { threads: o.threads, connections: o.connections ?? 1000, durationS: o.durationS ?? 30, timeoutS: o.timeoutS ?? 60, mode: 'login' as const, file };

  const bare = await measureOn(ctx, 'login-storm bare-koa', () => ctx.startServer('bare-koa'), { ...spec, durationS: Math.min(spec.durationS, 10), timeoutS: 5 });
  const server = await ctx.startServer('service');
  try {
    const m0 = await scrape(server.url);
    const rows0 = await count(ctx);
    const served = async () => sum(await scrape(server.url), 'http_request_duration_seconds_count', 'route="/auth/login"');
    // No warm-up: its queued logins would still be hashing when the measured run starts.
    const svc = await measure(ctx, 'login-storm service', server, spec, false);
    log('login-storm: waiting for in-flight logins and the history flush');
    await settle(served, { stableMs: 2_000, timeoutMs: 120_000 });
    const buffered = async () => gauge(await scrape(server.url), 'history_rows{state="buffered"}') ?? 0;
    const flushed = await settle(() => count(ctx), { stableMs: 2_500, timeoutMs: 60_000, done: async () => (await buffered()) === 0 });
    const m1 = await scrape(server.url);
    // Only a checked login (200, 401) has a history row; one shed past the hash queue's bound (503)
    // never reached the check. The server's own counts, not wrk's: wrk misses the answers that come
    // after it stopped (in one run 129 of the server's 4,759 503s, taken for logins by the old count).
    const answered = (m: typeof m0, status: number) => sum(m, 'http_request_duration_seconds_count', 'route="/auth/login"', `status="${status}"`);
    const checked = (m: typeof m0) => answered(m, 200) + answered(m, 401);
    const logins = checked(m1) - checked(m0);
    const shed = answered(m1, 503) - answered(m0, 503);
    const rows = flushed.value - rows0;
    const delta = (series: string) => {
      const a = gauge(m0, series);
      const b = gauge(m1, series);
      return a === null || b === null ? null : b - a;
    };
    const statements = delta('history_rows{state="insert_statements"}');
    const written = delta('history_rows{state="written"}');
    const loginsPerS = (svc.r.statuses['200'] ?? 0) / svc.r.durationS;
    const vsHash = ratio(loginsPerS, ceiling.perSecond);
    const rowsOk = rows === logins && flushed.settled;
    const historyCheck = `${rowsOk ? 'OK' : 'FAIL'} ${fmt(rows)} history rows for ${fmt(logins)} logins checked${flushed.settled ? '' : ' (not settled)'}; ${fmt(shed)} shed (503 + Retry-After) past LOGIN_QUEUE_MAX (wrk saw ${fmt(svc.r.statuses['503'] ?? 0)})`;
    const rowsList = [
      row('login-storm', 'bare-Koa ceiling', bare.r, { cpu: bare.cpu, vsBare: 1, unit: 'req/s' }),
      {
        ...row('login-storm', `password-hash ceiling (UV_THREADPOOL_SIZE=${ceiling.pool})${ceiling.attempts > 1 ? ` [best of ${ceiling.attempts}]` : ''}`, svc.r),
        rate: ceiling.perSecond,
        unit: 'hashes/s',
        p50: null,
        p99: null,
        p99raw: null,
        errors: '-',
        cpu: ceiling.cpu,
        check: `${ceiling.cores.toFixed(2)} cores in the hashing process`,
      },
      row('login-storm', o.target ? `service ${o.target.origin}` : 'service', svc.r, {
        cpu: svc.cpu,
        rate: loginsPerS,
        unit: 'logins/s',
        vsBare: ratio(loginsPerS, bare.r.rps),
        check: `${vsHash === null ? 'n/a' : vsHash.toFixed(2)}x hash ceiling; ${historyCheck}`,
      }),
    ];
    return {
      scenario: 'login-storm',
      rows: rowsList,
      targets: [
        check('login-storm', 'no errors', errorCount(svc.r) === 0, `${errorCount(svc.r)} errors (wrk timeouts ${svc.r.errors.timeout})`),
        target('login-storm', 'logins/s vs password-hash ceiling', vsHash, '>=', 0.9),
        {
          scenario: 'login-storm',
          name: 'INSERT statements for the history rows',
          value: statements === null ? 'n/a' : `${fmt(statements)}`,
          target: `<= ${fmt(Math.floor(rows / 50))} (rows / 50)`,
          pass: statements === null ? null : statements <= rows / 50,
        },
        check('login-storm', 'every login recorded once', rowsOk, `${fmt(rows)} rows / ${fmt(logins)} logins`),
      ],
      notes: [
        `${spec.connections} connections, ${spec.durationS} s (bare-Koa ${Math.min(spec.durationS, 10)} s), wrk timeout ${spec.timeoutS} s; ${USERS} users with their own scrypt hashes, cycled`,
        `history: ${fmt(rows)} rows written after the run (table count), gauge written ${written === null ? 'n/a' : fmt(written)}, ${statements === null ? 'n/a' : fmt(statements)} INSERT statements${statements ? ` (${fmt(rows / statements, 1)} rows each)` : ''}`,
        `password-hash ceiling: ${fmt(ceiling.perSecond, 1)} verifyPassword/s over ${HASH_SECONDS} s in a child process, ${ceiling.pool * 2} in flight, ${ceiling.cores.toFixed(2)} cores used by it (${ceiling.cpu.other.toFixed(2)} by other work); lock baseline: n/a (logins take no lock)`,
      ],
      charts: chartsOf('login-storm', [
        { name: 'bare-Koa ceiling', samples: bare.r.samples },
        { name: 'service', samples: svc.r.samples },
      ]),
      raw: { spec, ceiling, bare, service: svc, logins, shed, rows, statements, written },
    };
  } finally {
    await server.stop();
  }
}
