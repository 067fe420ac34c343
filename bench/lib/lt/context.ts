/**
 * What every loadtest scenario gets: the options, a database (a throwaway one, or the target's),
 * users and their tokens, and how to start servers as child processes (or use the --target).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../../src/http/auth/jwt.js';
import { envSchema } from '../../../src/config.js';
import { createDb } from '../../../src/db/knex.js';
import { startChild } from '../child.js';
import { BENCH_PASSWORD, createBenchDatabase, makeUsers, type BenchDatabase } from '../db.js';
import { flashRedis, type FlashRedis } from '../flash-redis.js';
import type { HoldDeps, HoldSettings, Started } from '../holdrun.js';
import { ENTRIES, type Server } from '../servers.js';
import { log } from './progress.js';
import { runLt, type LtResult } from './run-wrk.js';
import { pidListeningOn } from './target.js';

/**
 * A few thousand users stand in for a crowd many times larger, so each holds and pays far more than
 * one person may: the per-user caps are lifted (their checks still run on every grant and
 * reservation). Login limits stay as shipped; login-flood measures them. The scenarios whose every
 * request is a new hold (hold-distinct, actors-100k) use a crowd instead (`Ctx.crowd`), where each
 * person holds at most a couple of slots, under the caps as shipped.
 */
export const LOAD_GENERATOR_LIMITS = { MAX_ACTIVE_HOLDS_PER_USER: '1000000', MAX_PENDING_PER_USER: '1000000', HOLDS_PER_USER_PER_MINUTE: '1000000' };
/** The caps as src/config.ts ships them (its defaults, read from its schema), for the crowd scenarios. */
export const SHIPPED_LIMITS = Object.fromEntries((Object.keys(LOAD_GENERATOR_LIMITS) as (keyof typeof LOAD_GENERATOR_LIMITS)[]).map((name) => [name, String(envSchema.parse({})[name])])) as Record<
  keyof typeof LOAD_GENERATOR_LIMITS,
  string
>;

export interface Options {
  /** As given on the command line; each scenario has its own defaults. */
  connections?: number;
  durationS?: number;
  timeoutS?: number;
  threads: number;
  warmupS: number;
  retries: number;
  /** Interleaved rounds of the service and its references; the median run of each is compared. */
  rounds: number;
  users: number;
  /** live: SSE subscribers on the hot theme-day (default 10,000). */
  subscribers?: number;
  /** live: changes a second the driver makes on the day (default 1). */
  changes?: number;
  /** live: the streams on a second instance, fed over Redis, the hot holds on the first. */
  streamsApart?: boolean;
  compareLock: boolean;
  /** Also run the flash-sale baseline (Redis SET NX PX, bench/flash-sale.ts) in the hold scenarios. */
  compareFlash: boolean;
  target: URL | null;
  database: string | null;
  mock: URL | null;
}

export interface Ctx {
  opt: Options;
  bench: BenchDatabase;
  tmp: string;
  /** Tokens our own servers accept (lock baseline, own service), and the ones the service under test accepts. */
  ownTokens: string;
  serviceTokens: string;
  userIds: number[];
  /** libuv thread pool size of the service under test (scrypt runs there). */
  uvPool: number;
  /** `nodeArgs`: flags and preloads for node itself (started servers only; a --target is used as it runs). */
  startServer(server: Server, env?: Record<string, string>, nodeArgs?: string[]): Promise<Started>;
  /** `latency`: fixed ms or a `min-max` range; `env`: further TOSS_MOCK_* switches. */
  startMock(latency: number | string, env?: Record<string, string>): Promise<Started & { secretKey: string }>;
  /**
   * `count` new accounts and a file of their tokens (signed for every server here, or logged in at
   * the target): a crowd in which each person holds at most a couple of slots.
   */
  crowd(count: number): Promise<string>;
  /** With `crowd`, each server's run gets a crowd of its own that size, and the service the caps as shipped. */
  holdDeps(scenario: string, settings: HoldSettings, crowd?: number): HoldDeps<LtResult>;
  cleanup(): Promise<void>;
}

const HOLD_TTL_MS = 24 * 3_600_000;
const noop = async () => undefined;

/** UV_THREADPOOL_SIZE in a process's environment, when /proc lets us read it. */
function uvPoolOf(pid: number): number | null {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((e) => e.startsWith('UV_THREADPOOL_SIZE='));
    return env ? Number(env.split('=')[1]) : 4;
  } catch {
    return null;
  }
}

/** Tokens for the target service: signed with its JWT_SECRET when given, else one POST /auth/login per user. */
async function targetTokens(target: URL, emails: string[], secret: string | undefined, ids: number[]): Promise<string[]> {
  if (secret) return ids.map((sub) => signToken({ sub, role: 'USER' }, secret, 86_400));
  log(`logging ${emails.length} users in at ${target.origin} for their tokens (set JWT_SECRET to the target's to sign them instead)`);
  const tokens: string[] = new Array(emails.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < emails.length; i = next++) {
      const res = await fetch(`${target.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: emails[i], password: BENCH_PASSWORD }) });
      if (!res.ok) throw new Error(`POST /auth/login for ${emails[i]} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      tokens[i] = ((await res.json()) as { token: string }).token;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return tokens;
}

export async function createContext(opt: Options): Promise<Ctx> {
  const secret = randomBytes(32).toString('base64url');
  const tmp = mkdtempSync(join(tmpdir(), 'roomescape-loadtest-'));
  let bench: BenchDatabase;
  if (opt.target) {
    const db = createDb({ url: opt.database!, poolMax: 4, statementTimeoutMs: 600_000 });
    bench = { name: 'target', url: opt.database!, db, drop: async () => void (await db.destroy()) };
  } else {
    bench = await createBenchDatabase();
  }
  const prefix = opt.target ? `lt${randomBytes(4).toString('hex')}` : 'bench';
  log(`database ${bench.name}: ${opt.users} users`);
  const userIds = await makeUsers(bench.db, opt.users, prefix);
  const own = userIds.map((sub) => signToken({ sub, role: 'USER' }, secret, 86_400));
  const ownTokens = join(tmp, 'tokens.txt');
  writeFileSync(ownTokens, own.join('\n') + '\n');
  let serviceTokens = ownTokens;
  const targetPid = opt.target ? pidListeningOn(Number(opt.target.port || 80)) : 0;
  if (opt.target) {
    serviceTokens = join(tmp, 'target-tokens.txt');
    const emails = userIds.map((_, i) => `${prefix}-${i + 1}@bench.local`);
    writeFileSync(serviceTokens, (await targetTokens(opt.target, emails, process.env.JWT_SECRET, userIds)).join('\n') + '\n');
    log(`target ${opt.target.origin}: ${targetPid ? `process ${targetPid}` : 'process not found in /proc (its CPU counts as other work)'}`);
  }
  const uvPool = (opt.target ? uvPoolOf(targetPid) : null) ?? Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let servers = 0;
  // One key prefix for every flash-sale server of this invocation (schedule ids never repeat), removed at the end.
  let flash: FlashRedis | undefined;

  const startServer = async (server: Server, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Started> => {
    if (server === 'service' && opt.target) return { url: opt.target.origin, pid: targetPid, stop: noop };
    servers += 1;
    const flashEnv = server === 'flash-sale' ? (flash ??= flashRedis()).env : {};
    const child = await startChild({
      name: server,
      entry: ENTRIES[server],
      nodeArgs,
      // Its own data directory: the history actor's spill file must never reach another database.
      env: {
        DATABASE_URL: bench.url,
        JWT_SECRET: secret,
        LOG_LEVEL: process.env.LOADTEST_SERVER_LOG_LEVEL ?? 'warn',
        HOLD_TTL_MS: String(HOLD_TTL_MS),
        DATA_DIR: join(tmp, `data-${servers}`),
        UV_THREADPOOL_SIZE: String(uvPool),
        ...LOAD_GENERATOR_LIMITS,
        ...flashEnv,
        ...env,
      },
    });
    return { url: child.url, pid: child.pid, stop: () => child.stop() };
  };

  const startMock = async (latency: number | string, env: Record<string, string> = {}): Promise<Started & { secretKey: string }> => {
    if (opt.target) {
      if (!opt.mock) throw new Error('booking-flow against a --target needs --mock URL (the Toss mock the target uses) for its checks');
      const range = typeof latency === 'string' ? /^(\d+)-(\d+)$/.exec(latency) : null;
      const latencyMs = range ? { min: Number(range[1]), max: Number(range[2]) } : Number(latency);
      await fetch(`${opt.mock.origin}/__mock/switches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs, ...(env.TOSS_MOCK_COMMIT ? { commit: env.TOSS_MOCK_COMMIT } : {}) }),
      });
      return { url: opt.mock.origin, pid: pidListeningOn(Number(opt.mock.port || 80)), stop: noop, secretKey: process.env.TOSS_SECRET_KEY ?? '' };
    }
    const secretKey = `test_sk_loadtest_${randomBytes(6).toString('hex')}`;
    const child = await startChild({
      name: 'tossmock',
      entry: ENTRIES.tossmock,
      portEnv: 'TOSS_MOCK_PORT',
      healthPath: '/__mock/switches',
      env: { TOSS_MOCK_LATENCY_MS: String(latency), TOSS_SECRET_KEY: secretKey, ...env },
    });
    return { url: child.url, pid: child.pid, stop: () => child.stop(), secretKey };
  };

  let crowds = 0;
  const crowd = async (count: number): Promise<string> => {
    if (opt.target && !process.env.JWT_SECRET)
      throw new Error(`a crowd of ${count} accounts against a --target needs JWT_SECRET (the target's) to sign their tokens; logging them in would take hours`);
    crowds += 1;
    const tag = `${prefix}c${crowds}`;
    const ids = await makeUsers(bench.db, count, tag);
    const file = join(tmp, `crowd-${crowds}.txt`);
    const tokens = opt.target
      ? await targetTokens(
          opt.target,
          ids.map((_, i) => `${tag}-${i + 1}@bench.local`),
          process.env.JWT_SECRET,
          ids,
        )
      : ids.map((sub) => signToken({ sub, role: 'USER' }, secret, 86_400));
    writeFileSync(file, tokens.join('\n') + '\n');
    log(`crowd of ${count.toLocaleString('en-US')} new accounts (${tag})`);
    return file;
  };

  const holdDeps = (scenario: string, settings: HoldSettings, crowdSize?: number): HoldDeps<LtResult> => {
    let crowdFile = '';
    return {
      bench,
      settings,
      tokensFile: (server) => crowdFile || (server === 'service' ? serviceTokens : ownTokens),
      start: async (s) => {
        // bare Koa reads no token: its run needs no crowd.
        if (!crowdSize || s.server === 'bare-koa') return startServer(s.server);
        crowdFile = await crowd(crowdSize);
        return startServer(s.server, s.server === 'service' ? SHIPPED_LIMITS : {});
      },
      run: (o, phase, s) => runLt({ ...o, mode: o.mode, file: o.tokensFile, label: `${scenario} ${s.server}${phase === 'warm-up' ? ' (warm-up)' : ''}` }),
      log,
    };
  };

  return {
    opt,
    bench,
    tmp,
    ownTokens,
    serviceTokens,
    userIds,
    uvPool,
    startServer,
    startMock,
    crowd,
    holdDeps,
    async cleanup() {
      rmSync(tmp, { recursive: true, force: true });
      if (flash) {
        const prefix = flash.env.FLASH_KEY_PREFIX;
        await flash.cleanup().then(
          (n) => log(`flash-sale: removed its ${n} Redis keys (${prefix}*)`),
          (err: unknown) => log(`flash-sale: could not remove its Redis keys (${prefix}*): ${(err as Error).message}`),
        );
      }
      await bench.drop();
    },
  };
}
