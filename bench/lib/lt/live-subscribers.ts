/**
 * A light subscriber process of the live scenario (forked; requests and answers in live-protocol.ts).
 * It opens many GET /themes/:id/schedules/stream?date= over raw node:net sockets, each bound to one
 * of the loopback addresses it is given (Linux routes all of 127/8 to lo), so the service's
 * per-address cap is met rather than lifted. It reads only the framing it needs: the status line,
 * the end of the snapshot frame, and the `id:` of every `event: schedule` frame with the time it
 * arrived. Sockets always read (never paused): a stream the server closes is a reader dropped while
 * it kept reading. One of these processes also drives the changes: hold, release, hold, ... on a few
 * schedules of the day, remembering when it sent each.
 */
import { connect, type Socket } from 'node:net';
import { bucketOf } from './hist.js';
import type { Delivery, DriveSchedule, Reply, Request, SentChange, StreamTarget, TimedEvent } from './live-protocol.js';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface Sub {
  socket: Socket;
  /** The response so far, until its snapshot frame has ended; then null. */
  head: string | null;
  /** The tail of the last read that may begin an `id:` line cut by the read. */
  carry: string;
  openedUs: number;
  closedUs: number | null;
  /** Closed by this process: no drop. */
  ours: boolean;
}

const subs: Sub[] = [];
const arrivals = new Map<string, number[]>();
const dropped: Record<string, number> = {};
/** Reads of open streams since the last collect: about the server's writes, when the readers keep up. */
let reads = 0;

const ID = '\nid: ';
const SCHEDULE = 'event: schedule\n';
const SNAPSHOT = 'event: snapshot\n';

function arrived(id: string, at: number): void {
  const list = arrivals.get(id);
  if (list) list.push(at);
  else arrivals.set(id, [at]);
}

/**
 * The `id:` lines of `event: schedule` frames in a read. Frames are written whole and JSON has no
 * raw newline, so "\nid: " starts an event's id wherever it is (after the blank line ending the
 * frame before, or a chunk-size line if the body were chunked); only a cut between two reads needs
 * the carry.
 */
function scan(sub: Sub, chunk: string, at: number): void {
  const text = sub.carry ? sub.carry + chunk : chunk;
  let from = 0;
  for (;;) {
    const i = text.indexOf(ID, from);
    if (i < 0) break;
    const eol = text.indexOf('\n', i + ID.length);
    if (eol < 0 || text.length < eol + 1 + SCHEDULE.length) {
      sub.carry = text.slice(i);
      return;
    }
    if (text.startsWith(SCHEDULE, eol + 1)) arrived(text.slice(i + ID.length, eol), at);
    from = eol;
  }
  sub.carry = text.slice(Math.max(from, text.length - ID.length + 1));
}

type Outcome = { open: true } | { status: number } | { error: string };

function openOne(target: StreamTarget, address: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, localAddress: address });
    const sub: Sub = { socket, head: '', carry: '', openedUs: 0, closedUs: null, ours: false };
    let settled = false;
    let error: string | undefined;
    let ended = false;
    const settle = (o: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nAccept: text/event-stream\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      const at = nowUs();
      if (sub.head === null) {
        reads += 1;
        return scan(sub, chunk, at);
      }
      sub.head += chunk;
      const line = sub.head.indexOf('\r\n');
      if (line < 0) return;
      const status = Number(sub.head.slice(9, 12));
      if (status !== 200) {
        sub.ours = true;
        socket.destroy();
        return settle({ status });
      }
      const snap = sub.head.indexOf(SNAPSHOT);
      const end = snap < 0 ? -1 : sub.head.indexOf('\n\n', snap);
      if (end < 0) return;
      const rest = sub.head.slice(end + 1);
      sub.head = null;
      sub.openedUs = at;
      subs.push(sub);
      settle({ open: true });
      scan(sub, rest, at);
    });
    socket.on('end', () => (ended = true));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => {
      sub.closedUs = nowUs();
      if (!settled) return settle({ error: error ?? (ended ? 'end before the snapshot' : 'closed before the snapshot') });
      if (sub.ours) return;
      const how = error ?? (ended ? 'end' : 'close');
      dropped[how] = (dropped[how] ?? 0) + 1;
    });
  });
}

async function open(req: Extract<Request, { type: 'open' }>): Promise<Reply> {
  const t0 = Date.now();
  const jobs = req.addresses.flatMap((a) => Array<string>(req.perAddress).fill(a));
  const refused: Record<string, number> = {};
  const failed: Record<string, number> = {};
  let opened = 0;
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const o = await openOne(req.target, jobs[next++]!);
      if ('open' in o) opened += 1;
      else if ('status' in o) refused[o.status] = (refused[o.status] ?? 0) + 1;
      else failed[o.error] = (failed[o.error] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: req.concurrency }, worker));
  return { type: 'opened', open: opened, refused, failed, ms: Date.now() - t0 };
}

async function probe(req: Extract<Request, { type: 'probe' }>): Promise<Reply> {
  const o = await openOne(req.target, req.address);
  if ('open' in o) {
    const sub = subs.pop()!;
    sub.ours = true;
    sub.socket.destroy();
    return { type: 'probed', status: 200 };
  }
  return { type: 'probed', status: 'status' in o ? o.status : null };
}

/** The changes being driven: every request sent, and how each schedule stands. */
let driving: { stop: boolean; sent: SentChange[]; failures: Record<string, number>; done: Promise<unknown> } | null = null;

function drive(req: Extract<Request, { type: 'drive' }>): Reply {
  const state = { stop: false, sent: [] as SentChange[], failures: {} as Record<string, number>, done: Promise.resolve() as Promise<unknown> };
  const headers = { authorization: `Bearer ${req.token}` };
  const one = async (s: DriveSchedule, index: number) => {
    let { version, held } = s;
    const start = nowUs() + (index * req.everyMs * 1000) / req.schedules.length;
    for (let k = 0; !state.stop; k += 1) {
      const wait = (start + k * req.everyMs * 1000 - nowUs()) / 1000;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (state.stop) return;
      const method = held ? 'DELETE' : 'POST';
      const sentUs = nowUs();
      let status = 0;
      try {
        const res = await fetch(`${req.origin}/schedules/${s.id}/hold`, { method, headers });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        // status 0: no answer
      }
      const answeredUs = nowUs();
      if ((method === 'POST' && status === 200) || (method === 'DELETE' && status === 204)) {
        version += 1;
        held = !held;
        state.sent.push({ eventId: `${s.id}.${version}`, sentUs, answeredUs });
      } else {
        const key = `${method} ${status}`;
        state.failures[key] = (state.failures[key] ?? 0) + 1;
        // Without an answer the version is not known: this schedule's events could not be told apart any more.
        if (status === 0 || status >= 500) return;
      }
    }
  };
  state.done = Promise.all(req.schedules.map(one));
  driving = state;
  return { type: 'driving' };
}

async function stop(): Promise<Reply> {
  if (!driving) return { type: 'stopped', sent: [], failures: {} };
  const d = driving;
  d.stop = true;
  await d.done;
  driving = null;
  return { type: 'stopped', sent: d.sent, failures: d.failures };
}

/** Waits (up to `ms`) until every open stream has read every event it should have, as the last ones may still be on their way. */
async function allRead(events: TimedEvent[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const open = () => subs.filter((s) => s.closedUs === null);
  const missing = () => {
    const now = open();
    return events.some((e) => (arrivals.get(e.id)?.length ?? 0) < now.filter((s) => s.openedUs <= Math.min(e.committedUs ?? Infinity, e.sentUs ?? Infinity)).length);
  };
  while (missing() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function collect(req: Extract<Request, { type: 'collect' }>): Promise<Delivery> {
  await allRead(req.events, 2_000);
  const hist: Delivery['hist'] = { committed: {}, sent: {} };
  const perSecond: Record<string, Record<string, number>> = {};
  const stillOpen = subs
    .filter((s) => s.closedUs === null)
    .map((s) => s.openedUs)
    .sort((a, b) => a - b);
  let delivered = 0;
  let expected = 0;
  let duplicates = 0;
  const timed = new Set<string>();
  const add = (into: Record<string, number>, us: number) => {
    const b = bucketOf(us);
    into[b] = (into[b] ?? 0) + 1;
  };
  for (const e of req.events) {
    timed.add(e.id);
    const list = arrivals.get(e.id) ?? [];
    const from = Math.min(e.committedUs ?? Infinity, e.sentUs ?? Infinity);
    let want = 0;
    while (want < stillOpen.length && stillOpen[want]! <= from) want += 1;
    expected += want;
    delivered += Math.min(list.length, want);
    duplicates += Math.max(0, list.length - want);
    const sec = e.committedUs === null ? null : (perSecond[Math.floor(e.committedUs / 1e6)] ??= {});
    for (const at of list) {
      if (e.committedUs !== null) {
        add(hist.committed, at - e.committedUs);
        add(sec!, at - e.committedUs);
      }
      if (e.sentUs !== null) add(hist.sent, at - e.sentUs);
    }
  }
  let otherEvents = 0;
  for (const [id, list] of arrivals) if (!timed.has(id)) otherEvents += list.length;
  arrivals.clear();
  const since = { ...dropped };
  for (const k of Object.keys(dropped)) delete dropped[k];
  const read = reads;
  reads = 0;
  return { type: 'collected', hist, perSecond, delivered, expected, duplicates, otherEvents, reads: read, open: stillOpen.length, dropped: since };
}

function close(): Reply {
  let closed = 0;
  for (const s of subs.splice(0)) {
    if (s.closedUs !== null) continue;
    s.ours = true;
    s.socket.destroy();
    closed += 1;
  }
  return { type: 'closed', closed };
}

async function handle(m: Request): Promise<Reply> {
  switch (m.type) {
    case 'open':
      return open(m);
    case 'probe':
      return probe(m);
    case 'drive':
      return drive(m);
    case 'stop':
      return stop();
    case 'collect':
      return collect(m);
    case 'close':
      return close();
  }
}

const reply = (r: Reply) => process.send!(r);
process.on('message', (m) => handle(m as Request).then(reply, (err: unknown) => reply({ type: 'error', message: (err as Error).stack ?? String(err) })));
// The scenario gone (or done): nothing left to do here.
process.on('disconnect', () => process.exit(0));
