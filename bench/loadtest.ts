/**
 * npm run loadtest -- <scenario> [--connections N] [--duration S] [--target URL] [--compare-lock] [--compare-flash]
 *
 * Load scenarios against the service, each beside its references measured in the same invocation
 * with the same load generator (wrk + bench/lib/loadtest.lua): the bare-Koa ceiling and, with
 * --compare-lock and --compare-flash (both implied by `all`), the SELECT … FOR UPDATE baseline and
 * the Redis flash-sale baseline (SET NX PX, bench/flash-sale.ts; needs Redis at REDIS_URL). Live progress on stderr,
 * the summary table on stdout, and under the git-ignored bench/results/local/ the JSON and the HTML report (per-second
 * charts). `--save` also writes bench/results/loadtest-<scenario>.json, the named run the README's table quotes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/child.js';
import { createContext, type Ctx, type Options } from './lib/lt/context.js';
import { html } from './lib/lt/html.js';
import { log } from './lib/lt/progress.js';
import { render, type ScenarioReport } from './lib/lt/report.js';
import { loopbackUrl } from './lib/lt/target.js';
import { backgroundLoad, compileServers, git } from './lib/servers.js';
import { wrkVersion } from './lib/wrk.js';
import * as actors100k from './scenarios/actors-100k.js';
import * as bookingFlow from './scenarios/booking-flow.js';
import * as browse from './scenarios/browse.js';
import * as chaos from './scenarios/chaos.js';
import * as holdDistinct from './scenarios/hold-distinct.js';
import * as holdHot from './scenarios/hold-hot.js';
import * as live from './scenarios/live.js';
import * as loginFlood from './scenarios/login-flood.js';
import * as loginStorm from './scenarios/login-storm.js';
import * as waitlistChurn from './scenarios/waitlist-churn.js';

const SCENARIOS: Record<string, (ctx: Ctx) => Promise<ScenarioReport>> = {
  'hold-hot': holdHot.run,
  'hold-distinct': holdDistinct.run,
  browse: browse.run,
  'login-storm': loginStorm.run,
  'login-flood': loginFlood.run,
  'booking-flow': bookingFlow.run,
  'actors-100k': actors100k.run,
  chaos: chaos.run,
  'waitlist-churn': waitlistChurn.run,
  live: live.run,
};
/** Not part of `all`: it injects faults into its own instances for about two minutes. */
const NOT_IN_ALL = new Set(['chaos']);

const USAGE = `usage: npm run loadtest -- <${[...Object.keys(SCENARIOS), 'all'].join('|')}> [options]
  --connections N   wrk connections (default per scenario: 1000 for hold-*, browse, login-storm; 100 for booking-flow, actors-100k)
                    chaos: 3 instances behind PostgreSQL/Redis proxies, a 20 s database stall, a 20 s Redis cut and
                    3 kill -9s under the booking flow (its own fetch load, ~2 min; not part of all)
                    waitlist-churn: 1,000 waiters on 50 booked schedules, cancels, releases and lapsing offers
                    (its own fetch load; offers/s, free-up-to-offer delay, no double offers, no skipped waiter)
                    live: hot holds (1000 connections) alone and with 10,000 SSE subscribers on their theme-day, from
                    two light subscriber processes over loopback addresses at the per-address cap; delivery p50/p99,
                    dropped subscribers, server RSS per subscriber, hold throughput with/without (--rounds, interleaved)
  --duration S      seconds per measured run (default 10; login-storm 30)
  --target URL      load a running instance (loopback only) instead of starting one; needs --database (its DATABASE_URL)
  --database URL    the target's database (loopback only), to prepare users and schedules and check rows
  --mock URL        booking-flow with --target: the Toss mock the target uses (for its confirm counts)
  --compare-lock    also run the lock-based baseline (implied by all)
  --compare-flash   hold-hot, hold-distinct: also run the Redis flash-sale baseline (implied by all; Redis at REDIS_URL,
                    default redis://127.0.0.1:6379, keys under a prefix of the run's own, removed at the end)
  --subscribers N   live: SSE subscribers (default 10,000; needs about that many open files, ulimit -n)
  --changes N       live: changes a second made on the day while the hot holds run (default 1)
  --streams-apart   live: the streams on a second instance fed over Redis (REDIS_URL, loopback), the holds on the first
  --rounds N        hold-hot, hold-distinct, browse, live: run the service and its references N times, interleaved,
                    and compare the median runs (default 3; this box's run-to-run spread is 10-20 %)
  --threads N (2)  --warmup S (2)  --timeout S (5; login-storm 60)  --retries N (1)  --users N (2000; 200 with --target)
  --report FILE     the HTML report (default bench/results/local/loadtest-<scenario>.html)
  --save            also write bench/results/loadtest-<scenario>.json: a named run to commit and quote in the README
                    (without it, results go only to the git-ignored bench/results/local/)`;

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: 'string' },
    duration: { type: 'string' },
    target: { type: 'string' },
    database: { type: 'string' },
    mock: { type: 'string' },
    'compare-lock': { type: 'boolean', default: false },
    'compare-flash': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
    timeout: { type: 'string' },
    retries: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    users: { type: 'string' },
    subscribers: { type: 'string' },
    changes: { type: 'string' },
    'streams-apart': { type: 'boolean', default: false },
    report: { type: 'string' },
    save: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const name = positionals[0] ?? '';
if (flags.help || !(name in SCENARIOS || name === 'all') || positionals.length > 1) {
  console.error(USAGE);
  process.exit(flags.help ? 0 : 2);
}
const fail = (msg: string): never => {
  console.error(`loadtest: ${msg}`);
  process.exit(2);
};
const num = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/s$/, ''));
  return Number.isFinite(n) && n > 0 ? n : fail(`${what} must be a positive number, got ${JSON.stringify(v)}`);
};
const checked = (raw: string | undefined, what: string, protocols?: string[]): URL | null => {
  if (raw === undefined) return null;
  const r = loopbackUrl(raw, what, protocols);
  return 'error' in r ? fail(r.error) : r.url;
};
const target = checked(flags.target, '--target');
const database = target
  ? (flags.database ?? process.env.DATABASE_URL ?? fail("--target needs --database URL (or DATABASE_URL): the target's database, to prepare users and schedules and check rows"))
  : null;
if (database) checked(database, '--database', ['postgres:', 'postgresql:']);
const opt: Options = {
  connections: num(flags.connections, '--connections'),
  durationS: num(flags.duration, '--duration'),
  timeoutS: num(flags.timeout, '--timeout'),
  threads: num(flags.threads, '--threads')!,
  warmupS: Number(flags.warmup.replace(/s$/, '')),
  retries: Number(flags.retries),
  rounds: num(flags.rounds, '--rounds')!,
  users: num(flags.users, '--users') ?? (target ? 200 : 2000),
  subscribers: num(flags.subscribers, '--subscribers'),
  changes: num(flags.changes, '--changes'),
  streamsApart: flags['streams-apart'],
  compareLock: flags['compare-lock'] || name === 'all',
  compareFlash: flags['compare-flash'] || name === 'all',
  target,
  database,
  mock: checked(flags.mock, '--mock'),
};

const wrk = wrkVersion();
// chaos and waitlist-churn drive their own load (fetch), so they run without wrk.
if (!wrk && !NOT_IN_ALL.has(name) && name !== 'waitlist-churn')
  fail('needs the wrk load generator on PATH.\nInstall it with:  apt-get install wrk   (Debian/Ubuntu; macOS: brew install wrk) and run again.');

async function main(): Promise<void> {
  const started = Date.now();
  const typesOk = compileServers(log, { tolerateTypeErrors: true });
  const idleLoad = await backgroundLoad();
  if (idleLoad > 0.2) log(`warning: ${idleLoad.toFixed(2)} cores already busy before the run started; results will be disturbed`);
  const ctx = await createContext(opt);
  process.once('SIGINT', () => void ctx.cleanup().finally(() => process.exit(130)));
  const reports: ScenarioReport[] = [];
  try {
    for (const s of name === 'all' ? Object.keys(SCENARIOS).filter((k) => !NOT_IN_ALL.has(k)) : [name]) {
      log(`=== ${s}`);
      try {
        reports.push(await SCENARIOS[s]!(ctx));
      } catch (err) {
        const message = (err as Error).stack ?? String(err);
        log(`${s}: FAILED: ${message.slice(0, 2_000)}`);
        reports.push({ scenario: s, rows: [], targets: [], notes: [], charts: [], raw: {}, error: message.slice(0, 2_000) });
      }
    }
  } finally {
    await ctx.cleanup();
  }

  const commit = git('rev-parse', '--short=12', 'HEAD') ?? 'unknown';
  const dirty = Boolean(git('status', '--porcelain', '--', 'src', 'bench'));
  const header = [
    `run ${new Date(started).toISOString()} at commit ${commit}${dirty ? ' (src/ or bench/ modified)' : ''} on ${hostname()}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    `load generator: ${wrk} driven by bench/lib/loadtest.lua (${opt.threads} threads; the same tool and script for the service and its references)`,
    `node ${process.version}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}) shared by wrk, the servers and PostgreSQL; ${idleLoad.toFixed(2)} cores busy before start`,
    `${target ? `target ${target.origin} (already running)` : 'servers started here as child processes (dist-bench, compiled)'}; lock baseline ${opt.compareLock ? 'run' : 'not run (--compare-lock)'}; flash-sale baseline ${opt.compareFlash ? 'run' : 'not run (--compare-flash)'}${typesOk ? '' : '; WARNING: the tree had type errors'}`,
    "p50/p99: wrk's (corrected by wrk for coordinated omission, as bench:hold prints them); p99 raw: per-request latency measured by the script, no correction",
    'errors: unexpected statuses, socket errors, and wrk\'s "timeout" count (connections with a request older than --timeout, or still connecting, at its 2-s checks; not counted by the checks)',
    'CPU: cores used during the measured run by the server / PostgreSQL / wrk / interrupts / everything else',
  ].join('\n');
  const table = render(reports, header);
  console.log(table);

  const local = join(ROOT, 'bench/results/local');
  mkdirSync(local, { recursive: true });
  const out = join(local, `loadtest-${name}.json`);
  const json = {
    generatedAt: new Date().toISOString(),
    tookSeconds: Math.round((Date.now() - started) / 1000),
    git: { commit: git('rev-parse', 'HEAD'), dirty, typesOk },
    host: hostname(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version, busyCoresBeforeStart: idleLoad },
    loadGenerator: { tool: wrk, script: 'bench/lib/loadtest.lua', threads: opt.threads },
    options: { ...opt, target: target?.origin ?? null, database: database ? '(given)' : null, mock: opt.mock?.origin ?? null },
    reports,
  };
  writeFileSync(out, JSON.stringify(json, null, 1) + '\n');
  const page = resolve(flags.report ?? join(local, `loadtest-${name}.html`));
  writeFileSync(page, html(reports, header, table));
  console.log(`\nresults written to ${out}\nreport written to ${page}`);
  if (flags.save) {
    const named = join(ROOT, `bench/results/loadtest-${name}.json`);
    writeFileSync(named, JSON.stringify(json, null, 1) + '\n');
    console.log(`named run written to ${named} (commit it with the README change that quotes it)`);
  }
}

await main();
