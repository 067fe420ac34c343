import test from 'ava';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

let database: TestDatabase;
let service: TestService;

test.before(async () => {
  database = await createTestDatabase(10);
  service = await startTestService(database.db);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
});

// --- The Prometheus text exposition format (0.0.4), just what a scrape needs ---------------------

/** Samples by series: `name{a="x",b="y"}` with labels sorted, so a series has one key. */
type Samples = Map<string, number>;

const seriesKey = (name: string, labels: Record<string, string>): string => {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length ? `${name}{${pairs.join(',')}}` : name;
};

/** Parses `{a="x",b="y\"z"}` starting at `text[at]` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  const fail = (why: string) => new Error(`bad label set (${why}) in: ${text}`);
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i += 1;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0];
    if (!name) throw fail('label name');
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') throw fail('expected ="');
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw fail('unterminated value');
      i += 1;
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i];
        i += 1;
        value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
      } else value += c;
    }
    labels[name] = value;
  }
}

const parseValue = (raw: string): number => (raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw));

/** Every sample of an exposition; `# HELP` / `# TYPE` lines give the types. */
function parseExposition(text: string): { samples: Samples; types: Map<string, string> } {
  const samples: Samples = new Map();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      continue;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`bad sample line: ${line}`);
    let labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(line, name.length);
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    // The value, then an optional timestamp.
    const [raw] = rest.trim().split(/\s+/);
    const value = parseValue(raw ?? '');
    if (raw === undefined || (Number.isNaN(value) && raw !== 'NaN')) throw new Error(`bad sample value: ${line}`);
    samples.set(seriesKey(name, labels), value);
  }
  return { samples, types };
}

/** One series' value; a series not exposed yet counts as 0 (a labelled counter appears on first use). */
const valueOf = (s: Samples, name: string, labels: Record<string, string> = {}): number => s.get(seriesKey(name, labels)) ?? 0;

/** The sum over every series of `name` whose labels include `labels`. */
function sumOf(s: Samples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of s) {
    const open = key.indexOf('{');
    if ((open < 0 ? key : key.slice(0, open)) !== name) continue;
    const have = open < 0 ? {} : parseLabels(key, open).labels;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += value;
  }
  return total;
}

interface Scrape {
  contentType: string | null;
  requestId: string | null;
  samples: Samples;
  types: Map<string, string>;
}

async function scrape(): Promise<Scrape> {
  const res = await fetch(`${service.url}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text}`);
  return { contentType: res.headers.get('content-type'), requestId: res.headers.get('x-request-id'), ...parseExposition(text) };
}

test('the exposition parser reads labels with escapes, timestamps and special values', (t) => {
  const { samples, types } = parseExposition(
    [
      '# HELP a_total Things, with "quotes" \\ and more',
      '# TYPE a_total counter',
      'a_total{path="/x\\"y\\\\z",b="line\\nbreak"} 3 1700000000000',
      'a_total{b="2",path="/"} 4',
      'plain 1.5e3',
      'h_bucket{le="+Inf"} +Inf',
      '',
    ].join('\n'),
  );
  t.is(types.get('a_total'), 'counter');
  t.is(valueOf(samples, 'a_total', { path: '/x"y\\z', b: 'line\nbreak' }), 3);
  t.is(valueOf(samples, 'a_total', { path: '/', b: '2' }), 4);
  t.is(sumOf(samples, 'a_total'), 7);
  t.is(valueOf(samples, 'plain'), 1500);
  t.is(valueOf(samples, 'h_bucket', { le: '+Inf' }), Infinity);
  t.is(valueOf(samples, 'absent', { x: '1' }), 0);
});

test.serial('/metrics shows the counters changing under a load run (a test scrapes it before and after)', async (t) => {
  t.timeout(60_000);
  const SCHEDULES = 4;
  const HOLDS = 200;
  const LOGINS = 6;
  const scheduleIds: number[] = [];
  for (let i = 0; i < SCHEDULES; i += 1) scheduleIds.push(await makeSchedule(database.db));
  const holders = await makeUsers(database.db, HOLDS);
  const loginIds = await makeUsers(database.db, LOGINS / 2);
  const loginEmails: string[] = (await database.db('users').whereIn('id', loginIds).select('email')).map((u: { email: string }) => u.email);

  const before = await scrape();
  t.regex(before.contentType ?? '', /^text\/plain; version=0\.0\.4(;|$)/);
  t.is(before.types.get('http_request_duration_seconds'), 'histogram');
  t.is(before.types.get('hold_outcomes_total'), 'counter');
  t.is(before.types.get('schedule_actor_replies_total'), 'counter');
  t.is(before.types.get('schedule_actors'), 'gauge');
  t.is(before.types.get('history_rows'), 'gauge');
  const writtenBefore = valueOf(before.samples, 'history_rows', { state: 'written' });

  // The load: many users on a few schedules at once, some logins (good and bad), a bad request.
  const responses: { what: string; status: number; requestId: string | null }[] = [];
  const holds = holders.map(async (userId, i) => {
    const res = await service.request('POST', `/schedules/${scheduleIds[i % SCHEDULES]}/hold`, { token: service.tokenFor(userId) });
    responses.push({ what: `hold ${i}`, status: res.status, requestId: res.headers.get('x-request-id') });
    return res.status;
  });
  const logins = Array.from({ length: LOGINS }, async (_, i) => {
    const password = i % 3 === 2 ? 'not-the-password' : TEST_PASSWORD;
    const res = await service.request('POST', '/auth/login', { body: { email: loginEmails[i % loginEmails.length], password } });
    responses.push({ what: `login ${i}`, status: res.status, requestId: res.headers.get('x-request-id') });
    return res.status;
  });
  const bad = (async () => {
    const res = await service.request('POST', '/auth/login', { body: { email: 'someone@test.local', password: 'x', extra: true } });
    responses.push({ what: 'bad login', status: res.status, requestId: res.headers.get('x-request-id') });
    return res.status;
  })();
  const holdStatuses = await Promise.all(holds);
  const loginStatuses = await Promise.all(logins);
  const badStatus = await bad;

  const won = holdStatuses.filter((s) => s === 200).length;
  const lost = holdStatuses.filter((s) => s === 409).length;
  t.is(won, SCHEDULES, 'one winner per schedule');
  t.is(lost, HOLDS - SCHEDULES, 'everyone else lost');
  t.is(loginStatuses.filter((s) => s === 200).length, 4);
  t.is(loginStatuses.filter((s) => s === 401).length, 2);
  t.is(badStatus, 400);

  // History rows (logins, booking events) are counted once written.
  await service.actors.history.flush({ timeoutMs: 20_000 });
  const after = await scrape();
  t.regex(after.contentType ?? '', /^text\/plain; version=0\.0\.4(;|$)/);

  const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after.samples, name, labels) - valueOf(before.samples, name, labels);
  const deltaSum = (name: string, labels: Record<string, string> = {}) => sumOf(after.samples, name, labels) - sumOf(before.samples, name, labels);
  const hold = { method: 'POST', route: '/schedules/:id/hold' };
  const login = { method: 'POST', route: '/auth/login' };

  t.log(
    `holds 200 +${delta('http_request_duration_seconds_count', { ...hold, status: '200' })}, 409 +${delta('http_request_duration_seconds_count', { ...hold, status: '409' })}; ` +
      `won +${delta('hold_outcomes_total', { outcome: 'won' })}, lost +${delta('hold_outcomes_total', { outcome: 'lost' })}; ` +
      `actor replies +${deltaSum('schedule_actor_replies_total')}; live actors +${delta('schedule_actors', { state: 'live' })}; history rows written +${delta('history_rows', { state: 'written' })}`,
  );
  t.is(delta('http_request_duration_seconds_count', { ...hold, status: '200' }), won);
  t.is(delta('http_request_duration_seconds_count', { ...hold, status: '409' }), lost);
  t.is(delta('http_request_duration_seconds_bucket', { ...hold, status: '409', le: '+Inf' }), lost, 'the +Inf bucket counts every request');
  t.true(delta('http_request_duration_seconds_sum', { ...hold, status: '409' }) > 0);
  t.is(delta('http_request_duration_seconds_count', { ...login, status: '200' }), 4);
  t.is(delta('http_request_duration_seconds_count', { ...login, status: '401' }), 2);
  t.is(delta('http_request_duration_seconds_count', { ...login, status: '400' }), 1);
  t.is(delta('http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '200' }), 1, 'the first scrape is counted in the second');

  t.is(delta('hold_outcomes_total', { outcome: 'won' }), won);
  t.is(delta('hold_outcomes_total', { outcome: 'lost' }), lost);
  t.is(delta('schedule_actor_replies_total', { command: 'Hold', code: 'OK' }), won);
  t.is(delta('schedule_actor_replies_total', { command: 'Hold', code: 'SCHEDULE_NOT_AVAILABLE' }), lost);
  t.true(deltaSum('schedule_actor_replies_total') >= HOLDS);

  t.true(
    delta('schedule_actors', { state: 'live' }) >= SCHEDULES,
    `live actors ${valueOf(before.samples, 'schedule_actors', { state: 'live' })} → ${valueOf(after.samples, 'schedule_actors', { state: 'live' })}`,
  );
  t.true(delta('schedule_actors', { state: 'spawned' }) >= SCHEDULES);
  const written = valueOf(after.samples, 'history_rows', { state: 'written' }) - writtenBefore;
  t.true(written >= LOGINS, `history rows written: +${written}`);
  t.is(written, service.actors.history.stats().rowsWritten - writtenBefore, 'the gauge reads the history actor');

  // Every response carries a request id, a fresh one for each request that brought none.
  const missing = responses.filter((r) => !r.requestId);
  t.deepEqual(missing, [], 'every response has X-Request-Id');
  t.truthy(before.requestId);
  t.truthy(after.requestId);
  const ids = [...responses.map((r) => r.requestId), before.requestId, after.requestId];
  t.is(new Set(ids).size, ids.length, 'request ids are unique');
});

test.serial('X-Request-Id: a given id is echoed back unchanged; an unusable one is replaced', async (t) => {
  const given = `client-${randomUUID()}:retry.1_a`;
  for (const [method, path] of [
    ['GET', '/healthz'],
    ['GET', '/metrics'],
    ['GET', '/no-such-route'],
    ['POST', '/auth/login'],
  ] as const) {
    const res = await fetch(`${service.url}${path}`, { method, headers: { 'x-request-id': given, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
    await res.arrayBuffer();
    t.is(res.headers.get('x-request-id'), given, `${method} ${path} (${res.status})`);
  }
  for (const unusable of ['has spaces in it', 'x'.repeat(129), 'semi;colon']) {
    const res = await fetch(`${service.url}/healthz`, { headers: { 'x-request-id': unusable } });
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id');
    t.truthy(id);
    t.not(id, unusable);
  }
});
