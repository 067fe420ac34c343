/**
 * login-flood: 1000 connections POST /auth/login with wrong passwords on 5 accounts for 20 s (wrk),
 * while 20 real users, each from an address of its own on the loopback range (127.0.0.2...), log in
 * with their right passwords one after another. Measures what the throttle and the hash queue's
 * bound are for: the real users' latency (p50/p99) and success, and how the flood was answered
 * (429 throttled, 401 checked, 503 shed). The service runs with its shipped login limits.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { hashPassword } from '../../src/services/password.js';
import type { Ctx } from '../lib/lt/context.js';
import { fmt, log } from '../lib/lt/progress.js';
import { check, row, target, type ScenarioReport } from '../lib/lt/report.js';
import { measure } from '../lib/lt/runs.js';

const FLOOD_ACCOUNTS = 5;
const REAL_USERS = 20;

interface RealLogin {
  ms: number;
  status: number;
}

/** One login from `localAddress`, timed. */
function loginFrom(url: URL, localAddress: string, body: string): Promise<RealLogin> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: '/auth/login',
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      },
    );
    req.setTimeout(60_000, () => req.destroy());
    req.on('error', () => resolve({ ms: performance.now() - started, status: 0 }));
    req.end(body);
  });
}

const quantile = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  const o = ctx.opt;
  const tag = randomBytes(3).toString('hex');
  const accounts = Array.from({ length: FLOOD_ACCOUNTS + REAL_USERS }, (_, i) => ({ email: `flood-${tag}-${i + 1}@bench.local`, password: `pw-${randomBytes(8).toString('hex')}` }));
  const hashes = await Promise.all(accounts.map((a) => hashPassword(a.password)));
  await ctx.bench.db('users').insert(accounts.map((a, i) => ({ email: a.email, password_hash: hashes[i], name: `Flood ${i + 1}`, role: 'USER' })));
  const flood = accounts.slice(0, FLOOD_ACCOUNTS);
  const real = accounts.slice(FLOOD_ACCOUNTS);
  const file = join(ctx.tmp, 'flood.txt');
  writeFileSync(file, flood.map((a) => `${a.email}\twrong-${a.password}`).join('\n') + '\n');
  const spec = { threads: o.threads, connections: o.connections ?? 1000, durationS: o.durationS ?? 20, timeoutS: o.timeoutS ?? 60, mode: 'login' as const, file };

  const server = await ctx.startServer('service');
  try {
    const url = new URL(server.url);
    const logins: RealLogin[] = [];
    let flooding = true;
    const realUsers = real.map(async (a, i) => {
      const body = JSON.stringify({ email: a.email, password: a.password });
      // Start once the flood is under way, then log in again and again until it ends.
      await new Promise((r) => setTimeout(r, 2_000 + i * 50));
      while (flooding) logins.push(await loginFrom(url, `127.0.0.${i + 2}`, body));
    });
    const svc = await measure(ctx, 'login-flood service', server, spec, false);
    flooding = false;
    await Promise.all(realUsers);

    const ok = logins.filter((l) => l.status === 200);
    const p50 = quantile(
      ok.map((l) => l.ms),
      0.5,
    );
    const p99 = quantile(
      ok.map((l) => l.ms),
      0.99,
    );
    const statuses = svc.r.statuses;
    const floodTotal = Object.values(statuses).reduce((a, b) => a + b, 0);
    const share = (s: string) => (floodTotal ? (statuses[s] ?? 0) / floodTotal : 0);
    const realBad = logins.length - ok.length;
    log(`login-flood: real users ${ok.length}/${logins.length} ok, p50 ${fmt(p50, 1)} ms, p99 ${fmt(p99, 1)} ms; flood ${fmt(floodTotal)} answers, ${(share('429') * 100).toFixed(1)} % 429`);
    return {
      scenario: 'login-flood',
      rows: [
        {
          ...row('login-flood', `flood: wrong passwords on ${FLOOD_ACCOUNTS} accounts`, svc.r, { cpu: svc.cpu }),
          check: `429 ${(share('429') * 100).toFixed(1)} %, 401 ${(share('401') * 100).toFixed(2)} %, 503 ${(share('503') * 100).toFixed(2)} %`,
        },
        {
          ...row('login-flood', `${REAL_USERS} real users, one address each`, svc.r),
          rate: ok.length / svc.r.durationS,
          unit: 'logins/s',
          p50,
          p99,
          p99raw: null,
          errors: String(realBad),
          check: `${ok.length} of ${logins.length} logins ok`,
        },
      ],
      targets: [
        check('login-flood', 'every real login succeeds', realBad === 0, `${realBad} of ${logins.length} refused or failed`),
        target('login-flood', 'real users p99 during the flood', p99 / 1000, '<=', 2, ' s'),
        target('login-flood', 'share of the flood answered 429 (no hash spent)', share('429'), '>=', 0.95),
      ],
      notes: [
        `${spec.connections} connections of wrong passwords on ${FLOOD_ACCOUNTS} accounts from 127.0.0.1 for ${spec.durationS} s; ${REAL_USERS} real users from 127.0.0.2-${REAL_USERS + 1}, each logging in again as soon as it is answered`,
        `flood answers by status: ${Object.entries(statuses)
          .map(([s, n]) => `${s} ${fmt(n)}`)
          .join(', ')}`,
      ],
      charts: [],
      raw: { spec, statuses, logins: logins.length, ok: ok.length, p50, p99 },
    };
  } finally {
    await server.stop();
  }
}
