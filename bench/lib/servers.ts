/** What both load CLIs (bench/hold.ts, bench/loadtest.ts) share around the servers: compiled entries, the compile step, machine facts. */
import { execFileSync } from 'node:child_process';
import { ROOT } from './child.js';
import { snapshot, split } from './cpu.js';

export type Server = 'bare-koa' | 'lock-baseline' | 'flash-sale' | 'service';

// Every server runs compiled, as it would in production (tsx adds a name-keeping wrapper to every closure).
export const ENTRIES = {
  'bare-koa': 'dist-bench/bench/bare-koa.js',
  'lock-baseline': 'dist-bench/bench/lock-baseline.js',
  'flash-sale': 'dist-bench/bench/flash-sale.js',
  service: 'dist-bench/src/main.js',
  tossmock: 'dist-bench/src/tossmock/main.js',
  'hash-ceiling': 'dist-bench/bench/lib/lt/hash-ceiling.js',
  'actor-bytes': 'dist-bench/bench/lib/lt/actor-bytes.js',
  'probe-preload': 'dist-bench/bench/lib/lt/probe-preload.js',
  'live-subscribers': 'dist-bench/bench/lib/lt/live-subscribers.js',
} as const;

/**
 * Compiles src/ and bench/ into dist-bench/ (tsconfig.bench.json). tsc emits JavaScript even when
 * the tree has type errors (others mid-edit); with `tolerateTypeErrors` those are printed and the
 * run goes on (returns false), otherwise they stop it.
 */
export function compileServers(log: (msg: string) => void, opts: { tolerateTypeErrors?: boolean } = {}): boolean {
  log('compiling the servers (tsc -p tsconfig.bench.json)');
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], { cwd: ROOT, stdio: opts.tolerateTypeErrors ? 'pipe' : 'inherit' });
    return true;
  } catch (err) {
    if (!opts.tolerateTypeErrors) throw err;
    const out = String((err as { stdout?: Buffer }).stdout ?? '').trim();
    log(`WARNING: the tree has type errors; running what tsc emitted anyway:\n${out.split('\n').slice(0, 15).join('\n')}`);
    return false;
  }
}

export const git = (...args: string[]): string | null => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

/** Cores busy over one second before anything starts: other work on the machine. */
export async function backgroundLoad(): Promise<number> {
  const a = snapshot();
  await new Promise((r) => setTimeout(r, 1_000));
  return split(a, snapshot(), 1, process.pid).machine;
}
