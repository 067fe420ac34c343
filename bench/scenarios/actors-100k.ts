/**
 * actors-100k: one GET /schedules/:id or POST hold (alternately) on each of 100,000 distinct schedules,
 * against a service started with ACTOR_IDLE_MS=5000. The child's RSS (/proc/<pid>/status VmRSS) and
 * its live actors (GET /metrics) are sampled every second: at start, at the peak, and after every
 * actor has passivated.
 */
import { execFileSync } from 'node:child_process';
import { makeScheduleBlock, settle as settleDb } from '../lib/db.js';
import { SHIPPED_LIMITS, type Ctx } from '../lib/lt/context.js';
import { gauge, scrape } from '../lib/lt/metrics.js';
import { fmt, log, monoS } from '../lib/lt/progress.js';
import { chartsOf, check, errorsOf, target, row, type ScenarioReport } from '../lib/lt/report.js';
import { runLt, type LtOptions } from '../lib/lt/run-wrk.js';
import { snapshot, split } from '../lib/cpu.js';
import { rssBytes } from '../lib/lt/target.js';
import { ROOT } from '../lib/child.js';
import { ENTRIES } from '../lib/servers.js';

const ACTORS = 100_000;
const IDLE_MS = 5_000;
const MB = 1024 * 1024;

interface Sample {
  t: number;
  rss: number;
  /** V8 heap in use (nodejs_heap_size_used_bytes), garbage not yet collected included. */
  heap: number;
  live: number;
}

/** bench/lib/lt/actor-bytes.ts in its own process: the heap a live actor holds, after a full collection. */
function actorBytes(actors: number): { actors: number; bytesPerActor: number; spawnedPerSecond: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', ENTRIES['actor-bytes'], String(actors)], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { actors: number; bytesPerActor: number; spawnedPerSecond: number };
}

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  if (ctx.opt.target) throw new Error('actors-100k starts its own service (ACTOR_IDLE_MS, RSS from /proc); it cannot use --target');
  const o = ctx.opt;
  const block = await makeScheduleBlock(ctx.bench.db, ACTORS);
  const warm = await makeScheduleBlock(ctx.bench.db, 2_000);
  await settleDb(ctx.bench.db);
  // Each hold is a new person's (a hold's token follows its schedule id), under the caps as shipped.
  const warmCrowd = await ctx.crowd(warm.count);
  const crowd = await ctx.crowd(ACTORS);
  const server = await ctx.startServer('service', { ACTOR_IDLE_MS: String(IDLE_MS), ...SHIPPED_LIMITS });
  try {
    const actors = async () => {
      const m = await scrape(server.url);
      return {
        live: gauge(m, 'schedule_actors{state="live"}') ?? NaN,
        spawned: gauge(m, 'schedule_actors{state="spawned"}') ?? NaN,
        evicted: gauge(m, 'schedule_actors{state="evicted"}') ?? 0,
        heap: gauge(m, 'nodejs_heap_size_used_bytes') ?? NaN,
        heapTotal: gauge(m, 'nodejs_heap_size_total_bytes') ?? NaN,
        external: gauge(m, 'nodejs_external_memory_bytes') ?? NaN,
      };
    };
    const samples: Sample[] = [];
    const t0 = monoS();
    const sample = async () => {
      const rss = rssBytes(server.pid) ?? NaN;
      const a = await actors();
      const s = { t: monoS() - t0, rss, heap: a.heap, live: a.live };
      samples.push(s);
      return s;
    };
    const passivated = async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while ((await sample()).live > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1_000));
      return samples.at(-1)!.live === 0;
    };
    const spec: Omit<LtOptions, 'firstId' | 'count' | 'durationS'> = { url: server.url, threads: o.threads, connections: o.connections ?? 100, timeoutS: o.timeoutS ?? 5, mode: 'touch', file: crowd };
    if (o.warmupS > 0) {
      await runLt({ ...spec, file: warmCrowd, durationS: 60, firstId: warm.firstId, count: warm.count, label: 'actors-100k (warm-up)' });
      log('actors-100k: waiting for the warm-up actors to passivate');
      await passivated(60_000);
    }
    const start = await sample();
    const spawned0 = (await actors()).spawned;
    log(`actors-100k: start RSS ${fmt(start.rss / MB, 1)} MB; touching ${fmt(ACTORS)} schedules, ${spec.connections} connections`);
    const timer = setInterval(() => void sample().catch(() => undefined), 1_000);
    const last = () => samples.at(-1);
    const before = snapshot();
    const w0 = performance.now();
    let r;
    try {
      r = await runLt({
        ...spec,
        durationS: o.durationS ?? 300,
        firstId: block.firstId,
        count: ACTORS,
        label: 'actors-100k',
        extra: () => `RSS ${fmt((last()?.rss ?? 0) / MB)} MB, ${fmt(last()?.live)} live actors`,
      });
    } finally {
      clearInterval(timer);
    }
    const cpu = split(before, snapshot(), (performance.now() - w0) / 1000, server.pid);
    const counts = await actors();
    const spawned = counts.spawned - spawned0;
    log(`actors-100k: ${fmt(spawned)} actors spawned; waiting for passivation (ACTOR_IDLE_MS=${IDLE_MS})`);
    const allGone = await passivated(90_000);
    await new Promise((res) => setTimeout(res, 1_000));
    const after = await sample();
    const afterParts = await actors();
    const during = samples.filter((s) => s.t >= start.t);
    // "At the peak": the sample with the most live actors; RSS never shrinks much, so its own maximum comes later.
    const peak = during.reduce((a, b) => (b.live > a.live ? b : a), start);
    const maxRss = Math.max(...during.map((s) => s.rss));
    const perActor = peak.live > 0 ? (peak.rss - start.rss) / peak.live : null;
    const answered = Object.values(r.statuses).reduce((a, b) => a + b, 0);
    log('actors-100k: measuring bytes per live actor in a process of its own (heap after a full GC)');
    const bytes = actorBytes(20_000);
    return {
      scenario: 'actors-100k',
      rows: [
        {
          ...row('actors-100k', 'service (ACTOR_IDLE_MS=5000)', r, { cpu, errors: errorsOf(r) }),
          rate: spawned / r.durationS,
          unit: 'actors/s',
          check: `${fmt(spawned)} spawned for ${fmt(answered)} answers; RSS ${fmt(start.rss / MB)} -> ${fmt(peak.rss / MB)} at ${fmt(peak.live)} live (${fmt(counts.evicted)} passivated early by the live cap) -> ${fmt(after.rss / MB)} MB after; ${fmt(bytes.bytesPerActor)} B per live actor`,
        },
      ],
      targets: [
        target('actors-100k', 'RSS after passivation vs start', after.rss / start.rss, '<', 1.5),
        check('actors-100k', 'every actor passivated', allGone, `${fmt(after.live)} live after ${fmt(after.t - start.t)} s`),
        check(
          'actors-100k',
          'one actor per schedule touched',
          spawned >= answered * 0.99 && spawned <= r.used,
          `${fmt(spawned)} spawned, ${fmt(answered)} answered, ${fmt(Math.min(r.used, ACTORS))} ids sent`,
        ),
      ],
      notes: [
        `${fmt(ACTORS)} distinct schedules, GET /schedules/:id on even ids and POST hold on odd ones, ${spec.connections} connections, ${fmt(r.durationS, 1)} s; ${fmt(spawned / r.durationS)} actors/s created`,
        `RSS start ${fmt(start.rss / MB, 1)} MB, ${fmt(peak.rss / MB, 1)} MB at the peak of ${fmt(peak.live)} live actors: ${perActor === null ? 'n/a' : fmt(perActor)} bytes per live actor (RSS growth / live actors at the peak; includes garbage not yet collected); highest RSS ${fmt(maxRss / MB, 1)} MB; after passivation ${fmt(after.rss / MB, 1)} MB`,
        `bytes per live actor: ${fmt(bytes.bytesPerActor)} (heap after a full GC with ${fmt(bytes.actors)} actors alive, half of them holding, in a process of its own with no HTTP or database garbage; ${fmt(bytes.spawnedPerSecond)} actors/s spawned there)`,
        `V8 heap used: ${fmt(start.heap / MB, 1)} MB at start, ${fmt(peak.heap / MB, 1)} MB at the peak, ${fmt(after.heap / MB, 1)} MB after passivation (of ${fmt(afterParts.heapTotal / MB, 1)} MB the heap holds; external ${fmt(afterParts.external / MB, 1)} MB)`,
        'ceiling and lock baseline: n/a (memory scenario)',
      ],
      charts: [
        ...chartsOf('actors-100k', [{ name: 'service', samples: r.samples }]),
        {
          title: 'actors-100k: server memory',
          unit: 'MB',
          lines: [
            { name: 'RSS', points: during.map((s) => [s.t - start.t, s.rss / MB]) },
            { name: 'V8 heap used', points: during.map((s) => [s.t - start.t, s.heap / MB]) },
          ],
        },
        { title: 'actors-100k: live schedule actors', unit: 'actors', lines: [{ name: 'live', points: during.map((s) => [s.t - start.t, s.live]) }] },
      ],
      raw: { spawned, answered, start, peak, after, maxRss, perActor, bytes, samples, wrk: r },
    };
  } finally {
    await server.stop();
  }
}
