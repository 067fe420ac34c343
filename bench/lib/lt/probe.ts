/** The bench's side of probe-preload.ts: ask the service for a collection and for its commit times. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../child.js';
import { ENTRIES } from '../servers.js';

/** node flags that load the preload (compiled, as the servers run), and the env naming the file it reports to. */
export const probeArgs = (file: string) => ({ nodeArgs: ['--import', join(ROOT, ENTRIES['probe-preload'])], env: { BENCH_PROBE_FILE: file } });

export interface Collected {
  heapBefore: number;
  heapAfter: number;
  heapUsed: number;
  rss: number;
  ms: number;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

export class ServiceProbe {
  /** When each change reached the commit hook (µs, CLOCK_MONOTONIC), by event id: every one reported so far. */
  readonly commits = new Map<string, number>();

  constructor(
    private readonly pid: number,
    private readonly file: string,
  ) {}

  /** A full collection in the service; its memory after it. Also takes the commit times since the last call. */
  async collect(timeoutMs = 30_000): Promise<Collected> {
    const before = lines(this.file).length;
    process.kill(this.pid, 'SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = lines(this.file);
      if (now.length > before) {
        const r = JSON.parse(now.at(-1)!) as Collected & { commits: [string, number][] };
        for (const [id, us] of r.commits) this.commits.set(id, us);
        return { heapBefore: r.heapBefore, heapAfter: r.heapAfter, heapUsed: r.heapUsed, rss: r.rss, ms: r.ms };
      }
      if (Date.now() > deadline) throw new Error(`process ${this.pid} did not answer SIGUSR2 in ${timeoutMs} ms (was it started with probe-preload?)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
