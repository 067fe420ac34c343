import test from 'ava';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { start, stop } from 'nact';
import { createHistory, crashHistoryForTest, spillDirFor, type History } from '../src/actors/history/index.js';
import { SpillFiles } from '../src/actors/history/spill.js';
import { eventually } from './helpers/booking.js';
import { loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/knex.js';
import { listPaymentAttempts, listTimeline, writeHistoryBatch, type HistoryRow } from '../src/db/repositories/history.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

let tdb: TestDatabase;
const dirs: string[] = [];
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

test.before(async () => {
  tdb = await createTestDatabase();
});

test.after.always(async () => {
  await tdb?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'history-'));
  dirs.push(dir);
  return dir;
};

/** A history actor in its own actor system, configured as the service would be from these variables. */
function startHistory(db: Db, env: Record<string, string> = {}, dataDir = freshDir()) {
  const system = start();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...env });
  const history = createHistory(system, { db, config, log });
  // `dataDir` is where this history's spill files live; `root` is the data directory it was given.
  return { history, root: dataDir, dataDir: spillDirFor(config), stop: () => stop(system) };
}

/** Polls an in-memory condition no message announces; fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let tag = 0;
const marker = () => `m${process.pid}-${Date.now().toString(36)}-${(tag += 1)}`;

const login = (email: string, i = 0) => ({ userId: null, email, success: i % 2 === 0, ip: '10.0.0.1', userAgent: `ua-${i}`, at: new Date() });
const countLogins = async (prefix: string) => Number((await tdb.db('login_history').where('email', 'like', `${prefix}-%`).count({ n: '*' }))[0]!.n);

async function makeReservation(db: Db) {
  const scheduleId = await makeSchedule(db);
  const [userId] = (await makeUsers(db, 1)) as [number];
  const [row] = await db('reservations')
    .insert({ schedule_id: scheduleId, user_id: userId, status: 'PENDING', order_id: `ord-${marker()}`, amount: 50000, participants: 2, expires_at: new Date(Date.now() + 600_000) })
    .returning(['id', 'created_at']);
  return { id: row.id as number, scheduleId, userId, createdAt: row.created_at as Date };
}

test.serial('History: logins, payment attempts and booking events of one flush go in as one INSERT per table', async (t) => {
  const { history, stop: stopHistory } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '1000', HISTORY_FLUSH_MS: '60000' });
  const r = await makeReservation(tdb.db);
  const m = marker();
  const inserts: string[] = [];
  const onQuery = (q: { sql: string }) => {
    const table = /^insert into "(login_history|payment_attempts|booking_events)"/i.exec(q.sql)?.[1];
    if (table) inserts.push(table);
  };
  tdb.db.on('query', onQuery);
  for (let i = 0; i < 5; i += 1) history.recordLogin(login(`${m}-${i}@test.local`, i));
  for (let i = 0; i < 3; i += 1) {
    history.recordPaymentAttempt({
      reservationId: r.id,
      orderId: `o-${m}`,
      paymentKey: `pk-${m}-${i}`,
      amount: 50000,
      success: i === 2,
      code: i === 2 ? null : 'REJECT_CARD_COMPANY',
      message: i === 2 ? null : 'declined',
      at: new Date(),
    });
  }
  for (const type of ['HELD', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED'] as const) {
    history.recordEvent({ scheduleId: r.scheduleId, userId: r.userId, reservationId: type === 'HELD' ? null : r.id, type, detail: { by: m }, at: new Date() });
  }
  await history.flush();
  tdb.db.off('query', onQuery);
  stopHistory();

  t.deepEqual(inserts.sort(), ['booking_events', 'login_history', 'payment_attempts']);
  t.like(history.stats(), { buffered: 0, insertStatements: 3, rowsWritten: 12, lastBatchSize: 12 });
  t.is(await countLogins(m), 5);
  const attempts = await listPaymentAttempts(tdb.db, r.id);
  t.deepEqual(
    attempts.map((a) => [a.paymentKey, a.success, a.code]),
    [0, 1, 2].map((i) => [`pk-${m}-${i}`, i === 2, i === 2 ? null : 'REJECT_CARD_COMPANY']),
  );
  const timeline = await listTimeline(tdb.db, { ...r, createdAt: new Date(Date.now() + 1000) });
  t.deepEqual(
    timeline.map((e) => e.type),
    ['HELD', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED'],
  );
  t.deepEqual(timeline[0]!.detail, { by: m });
});

test.serial('listTimeline: the reservation events plus the same user’s holds and releases of the schedule in the hour before, in time order', async (t) => {
  const r = await makeReservation(tdb.db);
  const [other] = (await makeUsers(tdb.db, 1)) as [number];
  const at = (minutesBefore: number) => new Date(r.createdAt.getTime() - minutesBefore * 60_000);
  const e = (type: string, minutesBefore: number, over: Partial<{ userId: number; reservationId: number | null; scheduleId: number }> = {}) => ({
    schedule_id: over.scheduleId ?? r.scheduleId,
    user_id: over.userId ?? r.userId,
    reservation_id: over.reservationId === undefined ? null : over.reservationId,
    type,
    at: at(minutesBefore),
  });
  await tdb.db('booking_events').insert([
    e('HELD', 90), // too early
    e('HELD', 50),
    e('RELEASED', 40),
    e('HELD', 10, { userId: other }), // someone else
    e('HELD', 5),
    e('EXPIRED', 30), // not a hold or release
    e('RESERVED', 0, { reservationId: r.id }),
    e('PAYMENT_DECLINED', -5, { reservationId: r.id }),
  ]);
  const timeline = await listTimeline(tdb.db, r);
  t.deepEqual(
    timeline.map((x) => [x.type, Math.round((r.createdAt.getTime() - x.at.getTime()) / 60_000)]),
    [
      ['HELD', 50],
      ['RELEASED', 40],
      ['HELD', 5],
      ['RESERVED', 0],
      ['PAYMENT_DECLINED', -5],
    ],
  );
});

test.serial('History: a crash restarts the actor with its buffer; no row is lost', async (t) => {
  const { history, stop: stopHistory } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '1000', HISTORY_FLUSH_MS: '60000' });
  const m = marker();
  for (let i = 0; i < 30; i += 1) history.recordLogin(login(`${m}-a${i}@test.local`, i));
  crashHistoryForTest(history);
  for (let i = 0; i < 30; i += 1) history.recordLogin(login(`${m}-b${i}@test.local`, i));
  await until(() => history.stats().restarts === 1 && history.stats().buffered === 60);
  t.is(history.stats().rowsWritten, 0, 'nothing was written before the flush');
  await history.flush();
  t.is(await countLogins(m), 60);
  t.like(history.stats(), { buffered: 0, rowsWritten: 60, restarts: 1 });
  // Still working after the restart.
  history.recordLogin(login(`${m}-c@test.local`));
  await history.flush();
  t.is(await countLogins(m), 61);
  stopHistory();
});

test.serial('History: rows are written once `batchSize` wait, and within `flushMs` otherwise', async (t) => {
  const { history, stop: stopHistory } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '10', HISTORY_FLUSH_MS: '200' });
  const m = marker();
  for (let i = 0; i < 10; i += 1) history.recordLogin(login(`${m}-${i}@test.local`, i));
  await until(async () => (await countLogins(m)) === 10, 5_000);
  const started = Date.now();
  history.recordLogin(login(`${m}-late@test.local`));
  await until(async () => (await countLogins(m)) === 11, 5_000);
  t.true(Date.now() - started >= 150, 'a lone row waits for the interval');
  stopHistory();
});

test.serial('History: with the database down, flush gives up after its timeout and the rows are written once it is back', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const { history, stop: stopHistory } = startHistory(db, { HISTORY_FLUSH_MS: '50' });
  const m = marker();
  proxy.cut();
  for (let i = 0; i < 25; i += 1) history.recordLogin(login(`${m}-${i}@test.local`, i));
  const started = Date.now();
  await history.flush({ timeoutMs: 300, spillOnTimeout: false });
  t.true(Date.now() - started < 1_000, 'flush is bounded');
  t.is(history.stats().buffered, 25);
  t.true(history.stats().failing > 0);
  proxy.restore();
  await history.flush({ timeoutMs: 15_000 });
  t.is(await countLogins(m), 25);
  t.is(history.stats().failing, 0);
  stopHistory();
  await db.destroy();
  await proxy.close();
});

test.serial('History: past HISTORY_BUFFER_MAX rows go to the spill file, and are replayed exactly once', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const { history, dataDir, stop: stopHistory } = startHistory(db, { HISTORY_BUFFER_MAX: '20', HISTORY_BATCH_SIZE: '10', HISTORY_FLUSH_MS: '50' });
  const m = marker();
  proxy.cut();
  for (let i = 0; i < 250; i += 1) history.recordLogin(login(`${m}-${i}@test.local`, i));
  await history.flush({ timeoutMs: 200, spillOnTimeout: false });
  // The actor takes the rows one message at a time, each overflow synced to disk: on a busy machine that outlasts the 200 ms flush.
  await eventually(
    async () => {
      const now = history.stats();
      return now.buffered + now.spilledRows === 250;
    },
    15_000,
    20,
  );
  const s = history.stats();
  t.true(s.buffered <= 20, `memory stays bounded (${s.buffered})`);
  t.is(s.buffered + s.spilledRows, 250);
  t.true(readdirSync(dataDir).some((f) => f.startsWith('history-spill')));
  proxy.restore();
  await history.flush({ timeoutMs: 15_000 });
  t.is(await countLogins(m), 250);
  t.like(history.stats(), { buffered: 0, spilledRows: 0 });
  t.deepEqual(
    readdirSync(dataDir).filter((f) => f.startsWith('history-spill')),
    [],
  );
  t.is(Number((await tdb.db('history_write_guards').where('key', 'like', 'spill:%').count({ n: '*' }))[0]!.n), 0, 'replay guards are cleaned up');
  stopHistory();
  await db.destroy();
  await proxy.close();
});

test.serial('History: a spill file left by a process that died mid-replay is replayed at start, each row exactly once', async (t) => {
  const root = freshDir();
  const dataDir = spillDirFor({ dataDir: root, databaseUrl: undefined });
  const spill = new SpillFiles(dataDir);
  const m = marker();
  const rows: HistoryRow[] = Array.from({ length: 2500 }, (_, i) => ({ kind: 'login', record: login(`${m}-${i}@test.local`, i) }));
  spill.append(rows);
  // The dead process had sealed the file and written its first chunk (lines 0-999) before dying.
  const sealed = spill.seal()!;
  const first = await spill.readChunk(sealed, 0);
  await writeHistoryBatch(tdb.db, { key: `${SpillFiles.keyPrefix(sealed)}0`, rows: first.rows });
  // And it had spilled more rows into a new current file.
  spill.append([{ kind: 'login', record: login(`${m}-extra@test.local`) }]);
  t.is(await countLogins(m), 1000);

  const { history, stop: stopHistory } = startHistory(tdb.db, {}, root);
  t.is(history.stats().spilledRows, 2501);
  await history.flush({ timeoutMs: 15_000 });
  t.is(await countLogins(m), 2501);
  t.is(Number((await tdb.db('login_history').where('email', `${m}-999@test.local`).count({ n: '*' }))[0]!.n), 1);
  t.deepEqual(
    readdirSync(dataDir).filter((f) => f.startsWith('history-spill')),
    [],
  );
  t.is(
    Number(
      (
        await tdb
          .db('history_write_guards')
          .where('key', 'like', `spill:${basename(sealed)}%`)
          .count({ n: '*' })
      )[0]!.n,
    ),
    0,
  );
  stopHistory();
});

test.serial('History: a row the database refuses is set aside; the rest of its batch is written', async (t) => {
  const { history, dataDir, stop: stopHistory } = startHistory(tdb.db, { HISTORY_FLUSH_MS: '50' });
  const m = marker();
  history.recordLogin(login(`${m}-1@test.local`));
  history.recordLogin({ ...login(`${m}-2@test.local`), userId: 2_000_000_000 }); // no such user: foreign key violation
  history.recordLogin(login(`${m}-3@test.local`));
  await history.flush();
  t.is(await countLogins(m), 2);
  t.like(history.stats(), { buffered: 0, rejectedRows: 1, rowsWritten: 2 });
  t.true(readdirSync(dataDir).includes('history-rejected.ndjson'));
  stopHistory();
});

test.serial('History: a flush that times out (then the system stops, as at shutdown) saves the rows to the spill file, for the next start', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const first = startHistory(db, { HISTORY_FLUSH_MS: '50' });
  const m = marker();
  proxy.cut();
  for (let i = 0; i < 40; i += 1) first.history.recordLogin(login(`${m}-${i}@test.local`, i));
  await first.history.flush({ timeoutMs: 200 });
  first.stop();
  const saved = join(first.dataDir, 'history-spill.ndjson');
  await until(() => readdirSync(first.dataDir).includes('history-spill.ndjson') && new SpillFiles(first.dataDir).countRows(saved) === 40);
  proxy.restore();

  const next: { history: History; stop: () => void } = startHistory(db, {}, first.root);
  await next.history.flush({ timeoutMs: 15_000 });
  t.is(await countLogins(m), 40);
  next.stop();
  await db.destroy();
  await proxy.close();
});

test.serial('History.close: with the database down, saves what it holds to the spill file and stops the actor', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const first = startHistory(db, { HISTORY_FLUSH_MS: '60000' });
  const m = marker();
  proxy.cut();
  for (let i = 0; i < 15; i += 1) first.history.recordLogin(login(`${m}-${i}@test.local`, i));
  await first.history.close({ timeoutMs: 200 });
  t.is(new SpillFiles(first.dataDir).countRows(join(first.dataDir, 'history-spill.ndjson')), 15);
  first.history.recordLogin(login(`${m}-late@test.local`)); // ignored: the actor is stopped
  await first.history.flush(); // resolves at once
  first.stop();
  proxy.restore();

  const next = startHistory(db, {}, first.root);
  await next.history.flush({ timeoutMs: 15_000 });
  t.is(await countLogins(m), 15);
  next.stop();
  await db.destroy();
  await proxy.close();
});
