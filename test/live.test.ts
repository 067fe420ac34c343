import test from 'ava';
import { connect } from 'node:net';
import type { ScheduleChange } from '../src/services/live/change.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeTheme, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';
import { openSse, type SseClient } from './helpers/sse.js';
import { dropRedisKeys, REDIS_URL, uniquePrefix } from './fixtures/instance.js';

// Live availability on real PostgreSQL; two instances share one database and one Redis.
const prefix = uniquePrefix('live');
let database: TestDatabase;
let a: TestService;
let b: TestService;
const open: SseClient[] = [];

test.before(async () => {
  database = await createTestDatabase(8);
  const env = { REDIS_URL, QUEUE_PREFIX: prefix, LIVE_STREAMS_PER_ADDRESS: '3', LIVE_MAX_BUFFERED_BYTES: '65536', LIVE_HEARTBEAT_MS: '200' };
  [a, b] = await Promise.all([startTestService(database.db, env), startTestService(database.db, env)]);
  await Promise.all([a.live.relay!.ready(), b.live.relay!.ready()]);
});

test.afterEach.always(() => {
  for (const s of open.splice(0)) s.close();
});

test.after.always(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
  await dropRedisKeys(prefix);
});

async function day(service: TestService, scheduleId: number, headers: Record<string, string> = {}): Promise<SseClient> {
  const row = await database.db('schedules').where({ id: scheduleId }).first();
  const stream = await openSse(`${service.url}/themes/${row.theme_id}/schedules/stream?date=${row.date}`, headers);
  open.push(stream);
  return stream;
}

const schedule = (id: number, status?: string) => (e: { event: string; data: string }) => e.event === 'schedule' && JSON.parse(e.data).id === id && (!status || JSON.parse(e.data).status === status);

test.serial('a hold taken on instance A reaches a stream served by instance B, after its snapshot', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const stream = await day(b, scheduleId);
  t.is(stream.status, 200);
  t.regex(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  const snapshot = await stream.next((e) => e.event === 'snapshot');
  const listing = await a.request(
    'GET',
    `/themes/${(await database.db('schedules').where({ id: scheduleId }).first()).theme_id}/schedules?date=${(await database.db('schedules').where({ id: scheduleId }).first()).date}`,
  );
  t.deepEqual(JSON.parse(snapshot.data), listing.body, 'the snapshot is the listing body');

  const held = await a.request('POST', `/schedules/${scheduleId}/hold`, { token: a.tokenFor(userId) });
  t.is(held.status, 200);
  const event = await stream.next(schedule(scheduleId, 'HOLD'));
  const body = JSON.parse(event.data);
  t.is(body.holdExpiresAt, held.body.holdExpiresAt);
  t.true(Number.isInteger(body.version));
  t.is(event.id, `${scheduleId}.${body.version}`);
  t.false('heldBy' in body, 'the holder is not told to everyone');

  await a.request('DELETE', `/schedules/${scheduleId}/hold`, { token: a.tokenFor(userId) });
  const released = JSON.parse((await stream.next(schedule(scheduleId, 'AVAILABLE'))).data);
  t.true(released.version > body.version);
  t.false('holdExpiresAt' in released);
});

test.serial('a reconnect with Last-Event-ID gets the events it missed and no snapshot; an unknown id gets a snapshot', async (t) => {
  const themeId = await makeTheme(database.db);
  const first = await makeSchedule(database.db, { themeId, startTime: '10:00' });
  const second = await makeSchedule(database.db, { themeId, startTime: '12:00' });
  const [u1, u2] = (await makeUsers(database.db, 2)) as [number, number];
  const stream = await day(a, first);
  await stream.next((e) => e.event === 'snapshot');
  await a.request('POST', `/schedules/${first}/hold`, { token: a.tokenFor(u1) });
  const seen = await stream.next(schedule(first, 'HOLD'));
  stream.close();

  // Missed while away: one change here, one on the other instance.
  await a.request('DELETE', `/schedules/${first}/hold`, { token: a.tokenFor(u1) });
  await b.request('POST', `/schedules/${second}/hold`, { token: b.tokenFor(u2) });

  const again = await day(a, first, { 'last-event-id': seen.id! });
  const missedSecond = await again.next(schedule(second, 'HOLD'));
  const missedFirst = again.events.find(schedule(first, 'AVAILABLE'));
  t.truthy(missedFirst, 'the release made here while away');
  t.truthy(missedSecond, 'the hold made on the other instance while away');
  t.false(again.events.some((e) => e.event === 'snapshot'));

  const stranger = await day(a, first, { 'last-event-id': '999999.1' });
  const snap = JSON.parse((await stranger.next((e) => e.event === 'snapshot')).data) as { id: number; status: string }[];
  t.is(snap.find((s) => s.id === second)?.status, 'HOLD');
  t.is(snap.find((s) => s.id === first)?.status, 'AVAILABLE');
});

test.serial('a subscriber that stops reading is dropped; one that keeps reading gets every change', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const row = await database.db('schedules').where({ id: scheduleId }).first();
  const reader = await day(a, scheduleId);
  await reader.next((e) => e.event === 'snapshot');

  // A raw client that sends the request and then never reads.
  const url = new URL(a.url);
  const stalled = connect({ host: url.hostname, port: Number(url.port) });
  await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
  stalled.write(`GET /themes/${row.theme_id}/schedules/stream?date=${row.date} HTTP/1.1\r\nHost: x\r\n\r\n`);
  let received = 0;
  stalled.once('data', (chunk) => {
    received += chunk.length;
    stalled.pause();
  });
  const closed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
  await new Promise<void>((resolve) => {
    const check = () => (a.live.streamCount >= 2 && received > 0 ? resolve() : setTimeout(check, 20));
    check();
  });

  const droppedBefore = a.live.counts.dropped;
  let version = row.version;
  let published = 0;
  // Changes as another instance would send them, in batches the reader keeps up with.
  while (a.live.counts.dropped === droppedBefore && published < 400_000) {
    const batch: ScheduleChange[] = [];
    for (let i = 0; i < 100; i += 1)
      batch.push({ id: scheduleId, themeId: row.theme_id, date: row.date, status: i % 2 ? 'AVAILABLE' : 'BLOCKED', holdExpiresAt: null, heldBy: null, version: (version += 1) });
    a.live.receive(batch);
    published += batch.length;
    const last = version;
    await reader.next((e) => e.event === 'schedule' && JSON.parse(e.data).version === last, 10_000, Math.max(0, reader.events.length - 1));
  }
  t.is(a.live.counts.dropped, droppedBefore + 1, `the stalled one was dropped after ${published} changes`);
  stalled.resume();
  await closed;
  const versions = reader.events.filter(schedule(scheduleId)).map((e) => JSON.parse(e.data).version as number);
  t.is(versions.length, published, 'the reader got every change, in order');
  t.deepEqual(versions.slice(0, 3), [row.version + 1, row.version + 2, row.version + 3]);
  stalled.destroy();
});

test.serial('streams per client address are capped; closing one frees its place', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const streams = [await day(b, scheduleId), await day(b, scheduleId), await day(b, scheduleId)];
  for (const s of streams) await s.next((e) => e.event === 'snapshot');
  const refused = await day(b, scheduleId);
  t.is(refused.status, 429);
  t.is(refused.headers.get('retry-after'), '5');
  streams[0]!.close();
  await new Promise<void>((resolve) => {
    const check = () => (b.live.streamCount < 3 ? resolve() : setTimeout(check, 20));
    check();
  });
  const admitted = await day(b, scheduleId);
  t.is(admitted.status, 200);
  await admitted.next((e) => e.event === 'snapshot');
});

test.serial('a stream for an unknown theme or a bad date is refused before it starts', async (t) => {
  const unknown = await openSse(`${a.url}/themes/999999/schedules/stream?date=2030-01-01`);
  t.is(unknown.status, 404);
  const bad = await openSse(`${a.url}/themes/1/schedules/stream?date=tomorrow`);
  t.is(bad.status, 400);
  t.is(a.live.streamCount, 0, 'refused streams keep no place');
  t.is(a.live.existingDay(999999, '2030-01-01'), undefined, 'nor a topic');
});

test.serial('a user’s own stream shows their hold with its expiry, then the reservation, across instances', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const token = a.tokenFor(userId);
  t.is((await openSse(`${b.url}/reservations/mine/stream`)).status, 401);
  const mine = await openSse(`${b.url}/reservations/mine/stream`, { authorization: `Bearer ${token}` });
  open.push(mine);
  t.deepEqual(JSON.parse((await mine.next((e) => e.event === 'reservations')).data), []);

  const held = await a.request('POST', `/schedules/${scheduleId}/hold`, { token });
  const hold = JSON.parse((await mine.next((e) => e.event === 'hold')).data);
  t.like(hold, { scheduleId, status: 'HOLD', holdExpiresAt: held.body.holdExpiresAt });

  const reserved = await a.request('POST', '/reservations', { token, body: { scheduleId, participants: 2 } });
  t.is(reserved.status, 201);
  const list = await mine.next((e) => e.event === 'reservations' && JSON.parse(e.data).length === 1);
  t.like(JSON.parse(list.data)[0], { id: reserved.body.id, status: 'PENDING', scheduleId });
});
