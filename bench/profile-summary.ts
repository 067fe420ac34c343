/**
 * Where a server's CPU went, from a V8 CPU profile (`--cpu-prof`, e.g. `npm run bench:hold -- --only
 * hot --profile DIR`): self time grouped into the rooms of a request, in µs per request when the
 * number of requests answered during the profile is given.
 *   tsx bench/profile-summary.ts <file.cpuprofile> [requests] [--last SECONDS | --window FROM-TO]
 * `--last`: only the samples of the profile's last SECONDS (the measured run, without the start-up
 * and the warm-up), so `requests` is the measured run's count.
 * `--window`: only the samples taken between two CLOCK_MONOTONIC times in µs (V8 stamps profiles
 * with that clock; the live scenario's JSON has its runs' windows), e.g. one run of many.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** First match wins: the URL or function name of the frame that was running. */
const ROOMS: [string, RegExp][] = [
  ['idle', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['socket writes (writev/write)', /^(writev|writeUtf8String|writeBuffer|writeLatin1String|writevGeneric|writeGeneric)$/],
  ['native (libuv, V8 runtime)', /^\(program\)$/],
  ['socket reads and HTTP parsing', /node:_http_server|node:_http_common|onStreamRead|parserOnHeadersComplete|node:internal\/stream_base_commons/],
  ['node http response (headers, end)', /node:_http_outgoing|node:_http_incoming/],
  ['stack traces of errors', /^(defaultPrepareStackTrace|captureLargerStackTrace|prepareStackTrace)/],
  ['other node internals', /^node:|^(runMicrotasks|processTicksAndRejections)$/],
  ['koa', /node_modules\/(koa|koa-compose|delegates|on-finished|statuses|vary|content-type|type-is)\//],
  ['@koa/router', /node_modules\/@koa\/router|node_modules\/path-to-regexp/],
  ['auth (token memo, sessions)', /src\/http\/auth\/|src\/services\/sessions|node_modules\/fast-jwt/],
  ['schedule actors (ask, decide, published state)', /src\/actors\/|node_modules\/nact/],
  ['metrics and tracing', /src\/observability\/|node_modules\/prom-client|@opentelemetry/],
  ['request log, ids, security headers', /src\/http\/(observe|request-log|security-headers|listener)/],
  ['routes, validation, errors', /src\/http\/|node_modules\/zod/],
  ['logger', /node_modules\/pino/],
  ['database client', /node_modules\/(pg|pg-protocol|knex)\//],
  ['other service code', /src\//],
  ['other', /./],
];

const roomOf = (n: ProfileNode): string => {
  const key = `${n.callFrame.url} ${n.callFrame.functionName}`;
  for (const [room, re] of ROOMS) if (re.test(n.callFrame.url) || re.test(n.callFrame.functionName) || re.test(key)) return room;
  return 'other';
};

const args = process.argv.slice(2);
const lastAt = args.indexOf('--last');
const lastS = lastAt >= 0 ? Number(args.splice(lastAt, 2)[1]) : null;
const at = args.indexOf('--window');
const window = at >= 0 ? (args.splice(at, 2)[1] ?? '').split('-').map(Number) : null;
const [file, requestsArg] = args;
if (!file || (window && (window.length !== 2 || window.some((n) => !Number.isFinite(n)))) || (lastS !== null && !Number.isFinite(lastS))) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [requests] [--last SECONDS | --window FROM-TO]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<string, number>();
// Sample i was taken at startTime + the deltas up to i (µs).
const [from, to] = window ? [window[0]!, window[1]!] : [lastS === null ? Number.NEGATIVE_INFINITY : profile.endTime - lastS * 1e6, Number.POSITIVE_INFINITY];
let t = profile.startTime;
profile.samples.forEach((id, i) => {
  t += profile.timeDeltas[i] ?? 0;
  if (t < from || t > to) return;
  const room = roomOf(byId.get(id)!);
  selfUs.set(room, (selfUs.get(room) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const busyUs = totalUs - (selfUs.get('idle') ?? 0);
const requests = requestsArg ? Number(requestsArg) : null;
console.log(`profile ${(totalUs / 1e6).toFixed(1)} s, busy ${(busyUs / 1e6).toFixed(1)} s${requests ? `, ${requests.toLocaleString('en-US')} requests` : ''}`);
for (const [room, us] of [...selfUs].sort((a, b) => b[1] - a[1])) {
  if (room === 'idle') continue;
  const share = ((us / busyUs) * 100).toFixed(1).padStart(5);
  console.log(`${share} %  ${requests ? `${(us / requests).toFixed(1).padStart(6)} µs/req  ` : ''}${room}`);
}
