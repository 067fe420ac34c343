/** The live scenario's report: its rows, targets, notes and charts, from what its rounds measured. */
import { countOf, quantileMs, type Hist } from './hist.js';
import type { Ctx } from './context.js';
import type { checkHot } from '../holdrun.js';
import { droppedCount, mergeDeliveries, type MergedDelivery } from './live-clients.js';
import type { Delivery, SentChange } from './live-protocol.js';
import type { Collected } from './probe.js';
import { fmt, ms } from './progress.js';
import { chartsOf, check, errorsOf, ratio, row, target, type Chart, type Row, type ScenarioReport } from './report.js';
import { medianBy, type Measured } from './runs.js';

const KB = 1024;
const MB = 1024 * 1024;

const quantile = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : null);

export interface Memory {
  /** After a full collection, before the streams opened. */
  before: Collected;
  /** VmRSS once every stream had its snapshot. */
  established: number;
  after: Collected;
  streams: number;
}

export interface WithRound {
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

/** What the rounds measured, and how they were set up. */
export interface Outcome {
  processes: number;
  /** Schedules the driver changes. */
  driven: number;
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

export function liveReport(ctx: Ctx, x: Outcome): ScenarioReport {
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
      `${subs} streams on one theme-day from ${fmt(x.addresses)} loopback addresses (127.77.x.y), ${x.perAddress} each (LIVE_STREAMS_PER_ADDRESS as shipped), in ${x.processes} subscriber processes (raw node:net); opened in ${roundList(x.withSubs, (w) => `${fmt(w.opened.ms / 1000, 1)} s`)}${x.withSubs.some((w) => w.opened.open < x.subscribers) ? `; refused/failed while opening: ${roundList(x.withSubs, (w) => JSON.stringify({ ...w.opened.refused, ...w.opened.failed }))}` : ''}`,
      `hot holds: wrk ${ctx.opt.threads} threads, ${x.connections} connections, ${x.durationS} s per run on 10 fresh schedules of the same day; ${rounds} rounds, alone/with then with/alone; req/s no subscribers ${roundList(x.alone, (m) => fmt(m.r.rps))}, with ${roundList(x.withSubs, (w) => fmt(w.holds.r.rps))} (ratio per round ${x.withSubs.map((w, i) => (ratio(w.holds.r.rps, x.alone[i]?.r.rps) ?? NaN).toFixed(2)).join(' / ')})`,
      `changes: the first subscriber process holds and releases ${x.driven} other schedules of the day, ${fmt(x.changes, x.changes < 1 ? 2 : 0)} change${x.changes === 1 ? '' : 's'} a second in all (each schedule every ${fmt((x.driven * 1000) / x.changes)} ms; --changes), in every run; each hot run's 10 winning holds (a burst in its first second) are timed too${all.otherEvents ? `; ${fmt(all.otherEvents)} events read that were not timed` : ''}`,
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
        processes: x.processes,
        driven: x.driven,
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
