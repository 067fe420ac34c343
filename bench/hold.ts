/**
 * npm run bench:hold [-- --duration 10 --connections 1000 --warmup 2 --only hot,lock-hot]
 *
 * POST /schedules/:id/hold under wrk (2 threads), against four servers run as child processes:
 * bare Koa (the ceiling), the SELECT … FOR UPDATE design we replace (bench/lock-baseline.ts), the
 * Redis flash-sale design a team would pick instead of actors (bench/flash-sale.ts; Redis at
 * REDIS_URL) and the real service (src/main.ts), on a throwaway PostgreSQL database dropped at the end.
 * Prints a table and the ratios against the targets; writes bench/results/hold-latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signToken } from '../src/http/auth/jwt.js';
import { startChild, ROOT } from './lib/child.js';
import { LOAD_GENERATOR_LIMITS } from './lib/lt/context.js';
import { createBenchDatabase, makeUsers, type BenchDatabase } from './lib/db.js';
import { flashRedis, type FlashRedis } from './lib/flash-redis.js';
import { runHoldWithRetries, type HoldDeps, type HoldScenario } from './lib/holdrun.js';
import { ratios, render, type RunResult } from './lib/report.js';
import { backgroundLoad, compileServers, ENTRIES, git } from './lib/servers.js';
import { runWrk, wrkVersion, type WrkResult } from './lib/wrk.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1000' },
    threads: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '5' },
    users: { type: 'string', default: '2000' },
    'hot-schedules': { type: 'string', default: '10' },
    schedules: { type: 'string', default: '300000' },
    only: { type: 'string' },
    profile: { type: 'string' },
    retries: { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(
    'usage: npm run bench:hold -- [--duration S] [--connections N] [--threads N] [--warmup S] [--timeout S]\n' +
      '         [--users N] [--hot-schedules N] [--schedules N] [--only bare-koa,lock-hot,flash-hot,hot,lock-distinct,flash-distinct,distinct]\n' +
      '         [--retries N]   (repeat a run disturbed by other work on the machine, keep the least disturbed; default 2)\n' +
      '         [--profile DIR]   (servers run with --cpu-prof, profiles written to DIR; numbers then include profiler overhead)',
  );
  process.exit(0);
}
const seconds = (s: string) => Number(s.replace(/s$/, ''));
const opt = {
  durationS: seconds(flags.duration),
  connections: Number(flags.connections),
  threads: Number(flags.threads),
  warmupS: seconds(flags.warmup),
  timeoutS: seconds(flags.timeout),
  users: Number(flags.users),
  hotSchedules: Number(flags['hot-schedules']),
  distinctSchedules: Number(flags.schedules),
  /** A run during which other work used more than DISTURBED cores is repeated up to this many times. */
  retries: Number(flags.retries),
};

// Each design's runs sit next to the run they are compared with, so drift on a shared machine hurts less.
const ALL: HoldScenario[] = [
  { name: 'bare-koa', label: 'bare-koa (ceiling)', server: 'bare-koa', mode: 'hot' },
  { name: 'lock-hot', label: 'lock-baseline hot', server: 'lock-baseline', mode: 'hot' },
  { name: 'flash-hot', label: 'flash-sale hot (Redis)', server: 'flash-sale', mode: 'hot' },
  { name: 'hot', label: 'hot (service)', server: 'service', mode: 'hot' },
  { name: 'lock-distinct', label: 'lock-baseline distinct', server: 'lock-baseline', mode: 'distinct' },
  { name: 'flash-distinct', label: 'flash-sale distinct (Redis)', server: 'flash-sale', mode: 'distinct' },
  { name: 'distinct', label: 'distinct (service)', server: 'service', mode: 'distinct' },
];
const only = flags.only?.split(',').map((s) => s.trim());
const scenarios = only ? ALL.filter((s) => only.includes(s.name)) : ALL;

const wrk = wrkVersion();
if (!wrk) {
  console.error('bench:hold needs the wrk load generator on PATH, and it was not found.\n' + 'Install it with:  apt-get install wrk   (Debian/Ubuntu; macOS: brew install wrk) and run again.');
  process.exit(1);
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const SECRET = randomBytes(32).toString('base64url');
const HOLD_TTL_MS = 24 * 3_600_000;

function deps(bench: BenchDatabase, tokensFile: string, flash: FlashRedis | null): HoldDeps<WrkResult> {
  return {
    bench,
    settings: opt,
    tokensFile: () => tokensFile,
    log,
    run: (o) => runWrk(o),
    start: (s) =>
      startChild({
        name: s.server,
        entry: ENTRIES[s.server],
        nodeArgs: flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(flags.profile, s.name)}`] : [],
        // Its own data directory: the history actor's spill file must never reach another database.
        env: {
          DATABASE_URL: bench.url,
          JWT_SECRET: SECRET,
          LOG_LEVEL: 'warn',
          HOLD_TTL_MS: String(HOLD_TTL_MS),
          DATA_DIR: join(tmpdir(), `roomescape-bench-data-${process.pid}`),
          ...LOAD_GENERATOR_LIMITS,
          ...(s.server === 'flash-sale' ? flash?.env : {}),
        },
      }),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  compileServers(log);
  const idleLoad = await backgroundLoad();
  if (idleLoad > 0.2) log(`warning: ${idleLoad.toFixed(2)} cores already busy before the bench started; results will be disturbed`);
  log(`database: creating, ${opt.users} users`);
  const bench = await createBenchDatabase();
  const tmp = mkdtempSync(join(tmpdir(), 'roomescape-bench-'));
  // The flash-sale runs' Redis keys live under a prefix of this invocation's own.
  const flash = scenarios.some((s) => s.server === 'flash-sale') ? flashRedis() : null;
  const cleanup = async () => {
    rmSync(tmp, { recursive: true, force: true });
    if (flash) {
      await flash.cleanup().then(
        (n) => log(`flash-sale: removed its ${n} Redis keys`),
        (err: unknown) => log(`flash-sale: could not remove its Redis keys (${flash.env.FLASH_KEY_PREFIX}*): ${(err as Error).message}`),
      );
    }
    await bench.drop();
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  const runs: RunResult[] = [];
  const failures: { scenario: string; error: string }[] = [];
  try {
    const userIds = await makeUsers(bench.db, opt.users);
    const tokensFile = join(tmp, 'tokens.txt');
    writeFileSync(tokensFile, userIds.map((sub) => signToken({ sub, role: 'USER' }, SECRET, 86_400)).join('\n') + '\n');
    for (const s of scenarios) {
      try {
        runs.push(await runHoldWithRetries(deps(bench, tokensFile, flash), s));
      } catch (err) {
        log(`${s.name}: FAILED, skipped: ${(err as Error).message.slice(0, 2_000)}`);
        failures.push({ scenario: s.name, error: (err as Error).message.slice(0, 2_000) });
      }
    }
  } finally {
    await cleanup();
  }

  const rs = ratios(new Map(runs.map((r) => [r.scenario, r])));
  const header = [
    `load generator: wrk ${opt.threads} threads, ${opt.connections} connections, ${opt.durationS} s per run (after ${opt.warmupS} s warm-up on other schedules), timeout ${opt.timeoutS} s`,
    `${wrk}; node ${process.version}; ${cpus().length} CPUs shared by wrk, the server and PostgreSQL (${idleLoad.toFixed(2)} cores busy with other work before start); ${opt.users} users, one token each, rotated per request`,
    `hot: ${opt.hotSchedules} schedules; distinct: every request a new schedule (${opt.distinctSchedules} pre-created per run)`,
    'CPU: cores used during the run by the server / all PostgreSQL processes / wrk / interrupts (loopback TCP) / everything else (other > 0.2: a disturbed run);\n' +
      '  srv+pg CPU us/req: CPU time per answered request in the server and in PostgreSQL, steadier than req/s on a busy machine',
  ].join('\n');
  console.log(render(runs, rs, header));
  for (const f of failures) console.log(`FAILED ${f.scenario}: ${f.error.split('\n')[0]}`);

  const out = join(ROOT, 'bench/results/hold-latest.json');
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const json = {
    generatedAt: new Date().toISOString(),
    tookSeconds: Math.round((Date.now() - started) / 1000),
    git: { commit: git('rev-parse', 'HEAD'), dirty: Boolean(git('status', '--porcelain', '--', 'src')) },
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version, busyCoresBeforeStart: idleLoad },
    loadGenerator: { tool: wrk, threads: opt.threads, connections: opt.connections, durationS: opt.durationS, warmupS: opt.warmupS, timeoutS: opt.timeoutS },
    settings: opt,
    runs,
    failures,
    ratios: rs,
  };
  writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nresults written to ${out}`);
}

await main();
