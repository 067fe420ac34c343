/**
 * live (issue 14): 10,000 SSE subscribers on one hot theme-day while hot holds run on it.
 *
 * Subscribers come from two light processes (bench/lib/lt/live-subscribers.ts: raw node:net, only
 * the SSE framing needed), spread over loopback source addresses at the per-address cap as
 * shipped (LIVE_STREAMS_PER_ADDRESS), so the cap is met, not lifted. Hot holds are wrk with
 * loadtest.lua's hot mode as in hold-hot, on 10 fresh schedules of the same day per run, alone and
 * with the subscribers, in interleaved rounds (alone/with, then with/alone, ...) on one server.
 * Meanwhile the first subscriber process holds and releases 5 other schedules of the day (one
 * change a second in all, --changes), in the runs without subscribers too, so the subscribers are
 * the only difference.
 *
 * Delivery is timed from the commit: the stream's `event: schedule` carries no commit time and the
 * contract is not changed for the bench, so the server runs with bench/lib/lt/probe-preload.ts, which
 * notes when each change reached the live hub's commit hook; every process reads CLOCK_MONOTONIC.
 * The black-box bound, from the driver's request sent (which waits behind the hot holds), is
 * reported beside it.
 *
 * Also: streams the server closed while their reader kept reading (dropped), every change delivered
 * to every open subscriber exactly once, the RSS per subscriber (streams established, and after a
 * full collection the probe runs on a signal), the cap's refusal, and what a write to a subscriber
 * costs. --streams-apart puts the streams on a second instance fed over Redis.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { envSchema } from '../../src/config.js';
import { snapshot, coresOf } from '../lib/cpu.js';
import { makeScheduleBlock, settle as settleDb } from '../lib/db.js';
import { benchRedis } from '../lib/flash-redis.js';
import { checkHot } from '../lib/holdrun.js';
import type { Ctx } from '../lib/lt/context.js';
import { quantileMs } from '../lib/lt/hist.js';
import { droppedCount, mergeDeliveries, SubscriberProcess } from '../lib/lt/live-clients.js';
import type { SentChange, StreamTarget, TimedEvent } from '../lib/lt/live-protocol.js';
import { liveReport, type Memory, type WithRound } from '../lib/lt/live-report.js';
import { probeArgs, ServiceProbe } from '../lib/lt/probe.js';
import { gauge, scrape } from '../lib/lt/metrics.js';
import { fmt, log, ms } from '../lib/lt/progress.js';
import type { ScenarioReport } from '../lib/lt/report.js';
import { measure, type Measured } from '../lib/lt/runs.js';
import { runLt } from '../lib/lt/run-wrk.js';
import { rssBytes } from '../lib/lt/target.js';

const SUBSCRIBERS = 10_000;
const PROCESSES = 2;
/** Streams each process has opening at once. */
const OPEN_CONCURRENCY = 100;
const HOT = 10;
/** Schedules the driver changes, taking turns: CHANGES a second in all (--changes). */
const DRIVEN = 5;
/**
 * A hot theme-day has some ten slots, each held, reserved and paid (or released and held again)
 * within minutes: well under one change a second on average, after the opening burst that the hot
 * runs' ten winners stand for. One a second is the busy end; --changes 5 was this box's first try.
 */
const CHANGES = 1;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const MB = 1024 * 1024;

/** 127.77.0.1, 127.77.0.2, ...: 250 a /24, never .0 or .255. */
const loopbackAddress = (i: number) => `127.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;

const softFileLimit = (): number => {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.trim().split(/\s+/)[3] ?? Infinity);
};

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  const o = ctx.opt;
  if (o.target) throw new Error('live starts its own service (RSS from /proc, a collection on a signal); it cannot use --target');
  const subscribers = o.subscribers ?? SUBSCRIBERS;
  const connections = o.connections ?? 1000;
  const durationS = o.durationS ?? 10;
  const changes = o.changes ?? CHANGES;
  const everyMs = (DRIVEN * 1000) / changes;
  const perAddress = envSchema.parse({}).LIVE_STREAMS_PER_ADDRESS;
  const addresses = Array.from({ length: Math.ceil(subscribers / perAddress) }, (_, i) => loopbackAddress(i));
  const files = softFileLimit();
  if (files < subscribers + connections + 500)
    throw new Error(`live needs about ${subscribers + connections + 500} open files per process (the server holds every stream), the limit is ${files}: raise it (ulimit -n) or pass --subscribers`);

  const load0 = loadavg()[0]!;
  const db = ctx.bench.db;
  const block = await makeScheduleBlock(db, HOT * (1 + 2 * o.rounds) + DRIVEN);
  const hot = (i: number) => ({ firstId: block.firstId + i * HOT, count: HOT });
  const driven = Array.from({ length: DRIVEN }, (_, i) => block.firstId + HOT * (1 + 2 * o.rounds) + i);
  const day: { theme_id: number; date: string } = await db('schedules').where({ id: block.firstId }).first('theme_id', 'date');
  await settleDb(db);
  const driverUser = ctx.userIds.at(-1)!;
  const driverToken = readFileSync(ctx.ownTokens, 'utf8').trim().split('\n').at(-1)!;

  // --streams-apart: the streams on a second instance, fed the first one's commits over Redis (the live bus).
  const redis = o.streamsApart ? benchRedis('live') : null;
  const shared: Record<string, string> = redis ? { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix } : {};
  const started = async (name: string) => {
    const file = join(ctx.tmp, `live-probe-${name}.jsonl`);
    const args = probeArgs(file);
    const s = await ctx.startServer('service', { ...args.env, ...shared }, args.nodeArgs);
    return { ...s, probe: new ServiceProbe(s.pid, file) };
  };
  const server = await started('holds');
  const streams = redis ? await started('streams') : server;
  const procs = Array.from({ length: PROCESSES }, () => SubscriberProcess.start());
  const url = new URL(streams.url);
  const stream: StreamTarget = { host: url.hostname, port: Number(url.port), path: `/themes/${day.theme_id}/schedules/stream?date=${day.date}` };
  const share = (p: number) => addresses.filter((_, i) => i % PROCESSES === p);
  const streamsOpen = async () => gauge(await scrape(streams.url), 'live_streams{kind="open"}') ?? NaN;
  /** A collection in both (the same process unless apart), as every measured run starts with one. */
  const collect = async () => (await Promise.all([streams.probe.collect(), ...(redis ? [server.probe.collect()] : [])]))[0]!;

  try {
    const holds = { threads: o.threads, connections, timeoutS: o.timeoutS ?? 5, mode: 'hot' as const, file: ctx.serviceTokens, durationS };
    /**
     * Every measured run starts the same way: after a full collection (the one the memory figures
     * need before and after the streams open, so the runs without them get one too) and a warm-up on
     * the day's already-held warm-up schedules; then wrk and the driver together.
     */
    const measured = async (name: string, slice: { firstId: number; count: number }) => {
      if (o.warmupS > 0) await runLt({ ...holds, ...hot(0), url: server.url, durationS: o.warmupS, label: `${name} (warm-up)` });
      const rows: { id: number; version: number; status: string; held_by: number | null }[] = await db('schedules').whereIn('id', driven).select('id', 'version', 'status', 'held_by');
      const schedules = rows.map((r) => ({ id: r.id, version: r.version, held: r.status === 'HOLD' && r.held_by === driverUser }));
      await procs[0]!.ask({ type: 'drive', origin: server.url, token: driverToken, schedules, everyMs }, 'driving');
      const pids = procs.map((p) => p.pid);
      const a = snapshot();
      const t0 = performance.now();
      const from = nowUs();
      const m = await measure(ctx, name, server, { ...holds, ...slice }, false);
      // CLOCK_MONOTONIC µs, as V8 stamps a --cpu-prof profile: bench/profile-summary.ts --window from-to
      const window = `${from}-${nowUs()}`;
      const b = snapshot();
      const wallS = (performance.now() - t0) / 1000;
      const clientCores = coresOf(a, b, wallS, pids);
      const streamCores = redis ? coresOf(a, b, wallS, [streams.pid]) : null;
      const { sent, failures } = await procs[0]!.ask({ type: 'stop' }, 'stopped');
      return { m: { ...m, window }, sent, failures, clientCores, streamCores };
    };

    const subscribe = async (): Promise<{ memory: Memory; opened: WithRound['opened']; fromUs: number }> => {
      const before = await collect();
      log(`live: opening ${fmt(subscribers)} streams from ${fmt(addresses.length)} loopback addresses, ${perAddress} each, in ${PROCESSES} processes`);
      const per = await Promise.all(procs.map((p, i) => p.ask({ type: 'open', target: stream, addresses: share(i), perAddress, concurrency: OPEN_CONCURRENCY }, 'opened')));
      const fromUs = nowUs();
      const opened = {
        open: per.reduce((n, r) => n + r.open, 0),
        refused: mergeCounts(per.map((r) => r.refused)),
        failed: mergeCounts(per.map((r) => r.failed)),
        ms: Math.max(...per.map((r) => r.ms)),
      };
      const established = rssBytes(streams.pid) ?? NaN;
      const after = await streams.probe.collect();
      const counted = await streamsOpen();
      log(
        `live: ${fmt(opened.open)} streams open in ${fmt(opened.ms / 1000, 1)} s (server counts ${fmt(counted)}); RSS ${fmt(before.rss / MB, 1)} MB before (after a GC), ${fmt(established / MB, 1)} MB established, ${fmt(after.rss / MB, 1)} MB after a GC`,
      );
      return { memory: { before, established, after, streams: counted }, opened, fromUs };
    };

    const unsubscribe = async () => {
      await Promise.all(procs.map((p) => p.ask({ type: 'close' }, 'closed')));
      const deadline = Date.now() + 30_000;
      while ((await streamsOpen()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    };

    if (redis && o.warmupS > 0) {
      // The stream instance serves nothing else: a warm-up of its own, so its heap is sized as a working server's is.
      const paths = join(ctx.tmp, 'live-paths.txt');
      writeFileSync(paths, `/themes/${day.theme_id}/schedules?date=${day.date}\n/themes\n`);
      await runLt({ ...holds, connections: 100, mode: 'paths', file: paths, url: streams.url, durationS: o.warmupS, label: 'live: stream instance (warm-up)' });
    }
    let refusal: number | null = null;
    const alone: Measured[] = [];
    const withSubs: WithRound[] = [];
    const driverSent: SentChange[] = [];
    const driverFailures: Record<string, number>[] = [];
    for (let round = 0; round < o.rounds; round += 1) {
      // Alone first in even rounds, with subscribers first in odd ones: a slow stretch of the shared box falls on both.
      for (const phase of round % 2 === 0 ? (['alone', 'with'] as const) : (['with', 'alone'] as const)) {
        if (phase === 'alone') {
          await collect();
          const d = await measured(`live: hot holds, no subscribers (round ${round + 1})`, hot(1 + 2 * round));
          alone.push(d.m);
          driverSent.push(...d.sent);
          driverFailures.push(d.failures);
          continue;
        }
        const { memory, opened, fromUs } = await subscribe();
        if (refusal === null && subscribers >= perAddress) refusal = (await procs[0]!.ask({ type: 'probe', target: stream, address: addresses[0]! }, 'probed')).status;
        const d = await measured(`live: hot holds, ${fmt(opened.open)} subscribers (round ${round + 1})`, hot(2 + 2 * round));
        // The commit times of the run (this collection is after it: it does not disturb the figures).
        const probe = server.probe;
        await probe.collect();
        const sentAt = new Map(d.sent.map((c) => [c.eventId, c.sentUs]));
        const ids = new Set([...d.sent.map((c) => c.eventId), ...[...probe.commits].filter(([, us]) => us >= fromUs).map(([id]) => id)]);
        const events: TimedEvent[] = [...ids].map((id) => ({ id, committedUs: probe.commits.get(id) ?? null, sentUs: sentAt.get(id) ?? null }));
        const replies = await Promise.all(procs.map((p) => p.ask({ type: 'collect', events }, 'collected')));
        const delivery = mergeDeliveries(replies);
        log(
          `live: ${fmt(events.length)} changes, delivered ${fmt(delivery.delivered)} of ${fmt(delivery.expected)}; from the commit p50 ${ms(quantileMs(delivery.hist.committed, 0.5))} / p99 ${ms(quantileMs(delivery.hist.committed, 0.99))} ms, from the request p99 ${ms(quantileMs(delivery.hist.sent, 0.99))} ms; dropped ${droppedCount(delivery)}`,
        );
        withSubs.push({ holds: d.m, delivery, replies, sent: d.sent, events: events.length, memory, opened, clientCores: d.clientCores, streamCores: d.streamCores });
        driverSent.push(...d.sent);
        driverFailures.push(d.failures);
        await unsubscribe();
      }
    }
    await new Promise((r) => setTimeout(r, 1_000));
    return liveReport(ctx, {
      processes: PROCESSES,
      driven: DRIVEN,
      load: [load0, loadavg()[0]!],
      subscribers,
      changes,
      perAddress,
      addresses: addresses.length,
      durationS,
      connections,
      alone,
      withSubs,
      refusal,
      checks: {
        hot: await Promise.all([...alone.map((m, r) => checkHot(db, hot(1 + 2 * r), m.r)), ...withSubs.map((w, r) => checkHot(db, hot(2 + 2 * r), w.holds.r))]),
        driven: await drivenCheck(ctx, driven, driverSent),
      },
      driverFailures: mergeCounts(driverFailures),
      serverDropped: gauge(await scrape(streams.url), 'live_streams{kind="dropped"}'),
      apart: Boolean(redis),
    });
  } finally {
    for (const p of procs) p.exit();
    await Promise.all([...new Set([server, streams])].map((s) => s.stop()));
    if (redis) log(`live: removed ${await redis.cleanup()} Redis keys (${redis.prefix}*)`);
  }
}

function mergeCounts(list: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list) for (const [k, n] of Object.entries(m)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Each driven schedule's version in the database is the last one the driver counted: event ids were told apart right. */
async function drivenCheck(ctx: Ctx, driven: number[], sent: SentChange[]): Promise<{ ok: boolean; summary: string }> {
  const last = new Map<number, number>();
  for (const s of sent) {
    const [id, version] = s.eventId.split('.').map(Number) as [number, number];
    last.set(id, Math.max(last.get(id) ?? 0, version));
  }
  const rows: { id: number; version: number }[] = await ctx.bench.db('schedules').whereIn('id', driven).select('id', 'version');
  const wrong = rows.filter((r) => r.version !== (last.get(r.id) ?? 0));
  return {
    ok: wrong.length === 0,
    summary: wrong.length ? `${wrong.length} schedules differ: ${wrong.map((r) => `${r.id} db v${r.version} driver v${last.get(r.id) ?? 0}`).join(', ')}` : `${rows.length}/${rows.length} match`,
  };
}
