import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'major'; execution: 'async'; flavor: 'last-resort' }) => Promise<void>;

let collect: Collect | undefined;

/** The heap's committed size before and after a release, and how long the release took. */
export interface Released {
  heapBefore: number;
  heapAfter: number;
  ms: number;
}

/**
 * A full, compacting collection, run as a V8 task, after which V8 hands the freed pages back to
 * the system. An idle process otherwise keeps its heap at its high-water mark: nothing allocates,
 * so nothing triggers a collection. Costs a pause of tens of milliseconds; callers rate-limit it.
 */
export async function releaseMemory(): Promise<Released> {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as Collect;
  }
  const heapBefore = process.memoryUsage().heapTotal;
  const started = performance.now();
  await collect({ type: 'major', execution: 'async', flavor: 'last-resort' });
  return { heapBefore, heapAfter: process.memoryUsage().heapTotal, ms: performance.now() - started };
}

/**
 * Returns memory after mass passivation: once at least `threshold` actors were passivated since the
 * last release, releases it, at most once per `minIntervalMs` (a release asked for sooner runs
 * when that interval ends, so the last of a wave is not left holding memory).
 */
export function releaseAfterPassivation(opts: {
  threshold: number;
  minIntervalMs: number;
  onError: (err: unknown) => void;
  onReleased?: (r: Released) => void;
  release?: () => Promise<Released>;
}): (count: number) => void {
  const release = opts.release ?? releaseMemory;
  let owed = 0;
  let last = Number.NEGATIVE_INFINITY;
  let pending: NodeJS.Timeout | undefined;
  const run = () => {
    pending = undefined;
    owed = 0;
    last = Date.now();
    release().then((r) => opts.onReleased?.(r), opts.onError);
  };
  return (count) => {
    owed += count;
    if (owed < opts.threshold || pending) return;
    const wait = last + opts.minIntervalMs - Date.now();
    if (wait <= 0) run();
    else (pending = setTimeout(run, wait)).unref();
  };
}
