/**
 * live (issue 14): 10,000 SSE subscribers on one hot theme-day while hot holds run on it.
 *
 * Subscribers come from two light processes (bench/lib/lt/live-subscribers.ts: raw node:net, only
 * the SSE framing needed), spread over loopback source addresses at the per-address cap as
 * shipped (LIVE_STREAMS_PER_ADDRESS), so the cap is met, not lifted. Hot holds are wrk with
 * loadtest.lua's hot mode as in hold-hot, on 10 fresh schedules of the same day per run, alone and
 * with the subscribers, in interleaved rounds (alone/with, then with/alone, ...) on one server.
 *
 * The stream's `event: schedule` carries no commit time, and the contract is not changed for the
 * bench: delivery is timed from the moment the subscriber process sent the request that made the
 * change (a hold or a release it drives on 5 other schedules of that day, one change a second each)
 * to the moment each subscriber read the event: an upper bound of commit -> client that includes the
 * request's own wait behind the hot holds. The driver runs during the runs without subscribers too,
 * so the subscribers are the only difference.
 *
 * Also: streams the server closed while their reader kept reading (dropped), every change delivered
 * to every open subscriber exactly once, the server's RSS per subscriber (connections established,
 * and after a full collection asked for through bench/lib/lt/gc-preload.ts), and the cap's refusal.
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
import { countOf, quantileMs, type Hist } from '../lib/lt/hist.js';
import { droppedCount, mergeDeliveries, SubscriberProcess, type MergedDelivery } from '../lib/lt/live-clients.js';
import type { Delivery, SentChange, StreamTarget, TimedEvent } from '../lib/lt/live-protocol.js';
import { probeArgs, ServiceProbe, type Collected } from '../lib/lt/probe.js';
import { gauge, scrape } from '../lib/lt/metrics.js';
import { fmt, log, ms } from '../lib/lt/progress.js';
import { chartsOf, check, errorsOf, ratio, row, target, type Chart, type Row, type ScenarioReport } from '../lib/lt/report.js';
import { measure, medianBy, type Measured } from '../lib/lt/runs.js';
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
const KB = 1024;
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

const quantile = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : null);

interface Memory {
  /** After a full collection, before the streams opened. */
  before: Collected;
  /** VmRSS once every stream had its snapshot. */
  established: number;
  after: Collected;
  streams: number;
}

interface WithRound {
  holds: Measured;
  delivery: MergedDelivery;
  /** What each subscriber process told, merged into `delivery`. */
  replies: Delivery[];
  sent: SentChange[];
  /** Changes timed: every commit on the day while the streams were open. */
  events: number;
  memory: Memory;
  opened: { open: number; refused: Record<string, number>; failed: Record<string, number>; ms: number };
  /** Cores the subscriber processes used during the measured run. */
  clientCores: number;
  /** --streams-apart: cores the instance holding the streams used during it. */
  streamCores: number | null;
}

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
        await server.probe.collect();
        const probe = server.probe;
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
    return report(ctx, {
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
    await Promise.all([server.stop(), streams.stop()]);
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

interface Outcome {
  /** 1-minute load average at the scenario's start and end. */
  load: [number, number];
  subscribers: number;
  /** Driven changes a second. */
  changes: number;
  perAddress: number;
  addresses: number;
  durationS: number;
  connections: number;
  alone: Measured[];
  withSubs: WithRound[];
  /** The status of one stream more from a full address. */
  refusal: number | null;
  checks: { hot: Awaited<ReturnType<typeof checkHot>>[]; driven: { ok: boolean; summary: string } };
  driverFailures: Record<string, number>;
  serverDropped: number | null;
  /** The streams on an instance of their own (--streams-apart). */
  apart: boolean;
}

function report(ctx: Ctx, x: Outcome): ScenarioReport {
  const rounds = x.alone.length;
  const rps = (m: Measured) => m.r.rps;
  const alone = medianBy(x.alone, rps);
  const withRound = medianBy(x.withSubs, (w) => w.holds.r.rps);
  const holdRatio = ratio(withRound.holds.r.rps, alone.r.rps);
  const all = mergeDeliveries(x.withSubs.flatMap((w) => w.replies));
  const dropped = droppedCount(all);
  const p50 = quantileMs(all.hist.committed, 0.5);
  const p99 = quantileMs(all.hist.committed, 0.99);
  const sentP99 = quantileMs(all.hist.sent, 0.99);
  const perSub = (w: WithRound) => ({
    established: (w.memory.established - w.memory.before.rss) / w.memory.streams,
    collected: (w.memory.after.rss - w.memory.before.rss) / w.memory.streams,
    heap: (w.memory.after.heapUsed - w.memory.before.heapUsed) / w.memory.streams,
  });
  const mem = x.withSubs.map(perSub);
  // The first opening only: after streams have closed, the process keeps some of their memory (V8 and malloc keep
  // freed pages), so a later round starts from a baseline that already holds room for them.
  const rssEstablished = mem[0]?.established ?? null;
  const rssCollected = mem[0]?.collected ?? null;
  const requestMs = x.withSubs.flatMap((w) => w.sent.map((s) => (s.answeredUs - s.sentUs) / 1000));
  const changes = x.withSubs.reduce((n, w) => n + w.events, 0);
  const hotOk = x.checks.hot.filter((c) => c.ok).length;
  // Per read the subscribers made: the stream instance's CPU when apart, else the server's CPU in a run with
  // subscribers beyond what its holds cost at the round's rate without them.
  // Holds per second of the holding server's CPU: what the subscribers cost it, whatever share of the shared box it got.
  const perCore = (m: Measured) => m.r.rps / m.cpu.server;
  const efficiency = x.withSubs.map((w, i) => ratio(perCore(w.holds), x.alone[i] && perCore(x.alone[i])) ?? NaN);
  const perWriteUs = x.withSubs.map((w, i) => {
    const base = x.alone[i]!;
    const fanOut = w.streamCores ?? w.holds.cpu.server - w.holds.r.rps * (base.cpu.server / base.r.rps);
    return (fanOut * w.holds.r.durationS * 1e6) / w.delivery.reads;
  });
  const ok = (s: string) => s === '200' || s === '409';
  const subs = fmt(x.subscribers);
  const label = (name: string) => `${name}${rounds > 1 ? ` [median of ${rounds}]` : ''}`;
  // p50/p99 from the commit hook; "p99 raw" from the driver's request (the black-box upper bound).
  const deliveryRow: Row = {
    scenario: 'live',
    run: `delivery to ${subs} subscribers: commit -> event read (p99 raw: request sent -> read)`,
    rate: all.delivered / x.withSubs.reduce((s, w) => s + w.holds.r.durationS, 0),
    unit: 'events/s',
    p50,
    p99,
    p99raw: sentP99,
    errors: dropped
      ? `dropped ${fmt(dropped)} (${Object.entries(all.dropped)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')})`
      : '0',
    vsBare: null,
    vsLock: null,
    vsFlash: null,
    cpu: null,
    check: `${fmt(all.delivered)} of ${fmt(all.expected)} delivered, ${fmt(all.duplicates)} twice; ${fmt(changes)} changes timed`,
  };
  const rows: Row[] = [
    row('live', label('hot holds, no subscribers'), alone.r, { cpu: alone.cpu, errors: errorsOf(alone.r, ok), check: x.checks.hot[x.alone.indexOf(alone)]!.summary }),
    row('live', label(`hot holds, ${subs} subscribers${x.apart ? ' on a second instance' : ''}`), withRound.holds.r, {
      cpu: withRound.holds.cpu,
      errors: errorsOf(withRound.holds.r, ok),
      check: `${holdRatio === null ? 'n/a' : holdRatio.toFixed(2)}x no subscribers; ${withRound.streamCores === null ? '' : `stream instance ${withRound.streamCores.toFixed(2)} cores, `}subscriber processes ${withRound.clientCores.toFixed(2)} cores (in "other")`,
    }),
    deliveryRow,
  ];
  const kb = (b: number | null) => (b === null ? null : b / KB);
  const roundList = <T>(xs: T[], f: (t: T) => string) => xs.map(f).join(' / ');
  const charts: Chart[] = [
    ...chartsOf('live: hot holds', [
      ...x.alone.map((m, i) => ({ name: `no subscribers, round ${i + 1}`, samples: m.r.samples })),
      ...x.withSubs.map((w, i) => ({ name: `${subs} subscribers, round ${i + 1}`, samples: w.holds.r.samples })),
    ]),
    {
      title: `live: delivery p99 per second of committing (commit hook -> event read by each of ${subs} subscribers)`,
      unit: 'ms',
      log: true,
      lines: x.withSubs.map((w, i) => {
        const secs = [...w.delivery.perSecond.keys()].sort((a, b) => a - b);
        return { name: `round ${i + 1}`, points: secs.map((s): [number, number | null] => [s - secs[0]!, quantileMs(w.delivery.perSecond.get(s) as Hist, 0.99)]) };
      }),
    },
  ];
  return {
    scenario: 'live',
    rows,
    targets: [
      target('live', 'p99 delivery, commit -> event read by the client', p99, '<=', 250, ' ms'),
      target('live', "p99 delivery, driver's request sent -> event read (upper bound, black box)", sentP99, '<=', 250, ' ms'),
      check('live', 'subscribers dropped that kept reading', dropped === 0 && (x.serverDropped ?? 0) === 0, `${fmt(dropped)} (server counted ${x.serverDropped ?? 'n/a'})`),
      target('live', `${x.apart ? 'stream instance' : 'server'} RSS per subscriber, streams established (first opening)`, kb(rssEstablished), '<=', 10, ' KB'),
      target('live', `${x.apart ? 'stream instance' : 'server'} RSS per subscriber, after a full GC (first opening)`, kb(rssCollected), '<=', 10, ' KB'),
      target('live', `hot holds with ${subs} subscribers vs none`, holdRatio, '>=', 0.85),
      check('live', 'every change reached every open subscriber, once', all.delivered === all.expected && all.duplicates === 0 && all.expected > 0, `${fmt(all.delivered)} / ${fmt(all.expected)}`),
      check('live', `per-address cap as shipped (${x.perAddress}) met, not lifted: one more stream refused`, x.refusal === null ? null : x.refusal === 429, `status ${x.refusal ?? 'n/a'}`),
      check('live', 'one winner per hot schedule', hotOk === x.checks.hot.length, `${hotOk}/${x.checks.hot.length} runs OK`),
      check('live', "driven schedules' versions = the driver's changes (event ids told apart)", x.checks.driven.ok, x.checks.driven.summary),
    ],
    notes: [
      x.apart
        ? "topology: --streams-apart: the hot holds and the driver on one instance, the streams on a second one, both with REDIS_URL; the second hears the first one's commits over the live bus (Redis pub/sub), so delivery from the commit includes that hop"
        : 'topology: one instance serves the hot holds, the driver and the streams (--streams-apart puts the streams on a second one, fed over Redis)',
      `${subs} streams on one theme-day from ${fmt(x.addresses)} loopback addresses (127.77.x.y), ${x.perAddress} each (LIVE_STREAMS_PER_ADDRESS as shipped), in ${PROCESSES} subscriber processes (raw node:net); opened in ${roundList(x.withSubs, (w) => `${fmt(w.opened.ms / 1000, 1)} s`)}${x.withSubs.some((w) => w.opened.open < x.subscribers) ? `; refused/failed while opening: ${roundList(x.withSubs, (w) => JSON.stringify({ ...w.opened.refused, ...w.opened.failed }))}` : ''}`,
      `hot holds: wrk ${ctx.opt.threads} threads, ${x.connections} connections, ${x.durationS} s per run on 10 fresh schedules of the same day; ${rounds} rounds, alone/with then with/alone; req/s no subscribers ${roundList(x.alone, (m) => fmt(m.r.rps))}, with ${roundList(x.withSubs, (w) => fmt(w.holds.r.rps))} (ratio per round ${x.withSubs.map((w, i) => (ratio(w.holds.r.rps, x.alone[i]?.r.rps) ?? NaN).toFixed(2)).join(' / ')})`,
      `changes: the first subscriber process holds and releases ${DRIVEN} other schedules of the day, ${fmt(x.changes, x.changes < 1 ? 2 : 0)} change${x.changes === 1 ? '' : 's'} a second in all (each schedule every ${fmt((DRIVEN * 1000) / x.changes)} ms; --changes), in every run; each hot run's 10 winning holds (a burst in its first second) are timed too${all.otherEvents ? `; ${fmt(all.otherEvents)} events read that were not timed` : ''}`,
      `delivery timed from the commit: the service's commit hook (LiveHub.committed, wrapped by bench/lib/lt/probe-preload.ts; the events carry no commit time) to the subscriber process reading the frame, CLOCK_MONOTONIC on both sides; from the request: the driver's own request sent, the bound a black-box client can give`,
      `delivery p50/p99 per round, from the commit: ${roundList(x.withSubs, (w) => `${ms(quantileMs(w.delivery.hist.committed, 0.5))}/${ms(quantileMs(w.delivery.hist.committed, 0.99))} ms`)}; from the request: ${roundList(x.withSubs, (w) => `${ms(quantileMs(w.delivery.hist.sent, 0.5))}/${ms(quantileMs(w.delivery.hist.sent, 0.99))} ms`)}; ${fmt(countOf(all.hist.committed))} arrivals timed. The driver's requests themselves (sent -> answered, behind the hot holds): p50 ${ms(quantile(requestMs, 0.5))} ms, p99 ${ms(quantile(requestMs, 0.99))} ms${Object.keys(x.driverFailures).length ? `; driver failures ${JSON.stringify(x.driverFailures)}` : ''}`,
      `server memory per subscriber by round (RSS established / RSS after a GC / V8 heap after a GC, against RSS and heap after a GC before the streams opened; from round 2 on the RSS baseline already holds memory kept from the streams before): ${roundList(mem, (m) => `${fmt(m.established / KB, 1)} / ${fmt(m.collected / KB, 1)} / ${fmt(m.heap / KB, 1)} KB`)}; RSS ${roundList(x.withSubs, (w) => `${fmt(w.memory.before.rss / MB)} -> ${fmt(w.memory.established / MB)} -> ${fmt(w.memory.after.rss / MB)} MB`)}`,
      `what a write to a subscriber costs, estimated (${x.apart ? "the stream instance's CPU" : "the server's CPU in a run with subscribers beyond what the run's holds cost at the rate measured without them"}, per read the subscribers made): ${roundList(perWriteUs, (us) => `${fmt(us, 1)} µs`)} (${roundList(x.withSubs, (w) => fmt(w.delivery.reads))} reads); ${subs} subscribers then cost about ${fmt((x.subscribers * (quantile(perWriteUs, 0.5) ?? NaN)) / 1e6, 2)} cores per change a second (changes of one turn share a write), most of it the kernel's (loopback TCP, the receiving side included)`,
      `load average (1 min) ${x.load.map((l) => l.toFixed(1)).join(' at the start, ')} at the end: other work on the machine shows in the CPU column's "other"`,
      `hot holds per second of the holding server's CPU, with subscribers against without, per round: ${roundList(efficiency, (e) => `${e.toFixed(2)}x`)} (the cost to the process itself, apart from the share of the shared cores it got)`,
      `subscriber processes used ${roundList(x.withSubs, (w) => w.clientCores.toFixed(2))} cores during the runs with subscribers${x.apart ? `, the stream instance ${roundList(x.withSubs, (w) => (w.streamCores ?? NaN).toFixed(2))}` : ''} (counted in the CPU column's "other")`,
    ],
    charts,
    raw: {
      settings: {
        apart: x.apart,
        subscribers: x.subscribers,
        perAddress: x.perAddress,
        processes: PROCESSES,
        driven: DRIVEN,
        changesPerSecond: x.changes,
        connections: x.connections,
        durationS: x.durationS,
      },
      alone: x.alone,
      withSubs: x.withSubs.map(({ replies: _, ...w }) => ({
        ...w,
        delivery: {
          ...w.delivery,
          hist: { committed: Object.fromEntries(w.delivery.hist.committed), sent: Object.fromEntries(w.delivery.hist.sent) },
          perSecond: Object.fromEntries([...w.delivery.perSecond].map(([s, h]) => [s, Object.fromEntries(h)])),
        },
      })),
      refusal: x.refusal,
      checks: x.checks,
      serverDropped: x.serverDropped,
    },
  };
}
