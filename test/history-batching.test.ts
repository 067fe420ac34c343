import test from 'ava';
import { readdirSync } from 'node:fs';
import { crashHistoryForTest } from '../src/actors/history/index.js';
import { createDb } from '../src/db/knex.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { loginRows, marker, recordLogins, removeHistoryDirs, startHistory } from './helpers/history.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

/**
 * The history's batching job, seen from outside: rows reach PostgreSQL in batches at the batch
 * size or after the flush interval, survive a failing database and a crash of the actor, are
 * written at a stop, and what went to disk is written by the next start, each row once.
 */
let tdb: TestDatabase;

test.before(async () => {
  tdb = await createTestDatabase();
});

test.after.always(async () => {
  await tdb?.drop();
  removeHistoryDirs();
});

test.serial('History: `batchSize` rows are written at once, in one batch, without waiting for the flush interval', async (t) => {
  const { history, stop } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '10', HISTORY_FLUSH_MS: '3600000' });
  const m = marker();
  const written = history.nextWrite();
  recordLogins(history, m, 10);
  t.like(await written, { ok: true, rows: 10 });
  t.deepEqual(await loginRows(tdb.db, m), { rows: 10, emails: 10 });
  await stop();
});

test.serial('History: a lone row is written once the flush interval has passed since it arrived', async (t) => {
  const { history, stop } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '1000', HISTORY_FLUSH_MS: '200' });
  const m = marker();
  const written = history.nextWrite();
  const recordedAt = Date.now();
  recordLogins(history, m, 1);
  t.like(await written, { ok: true, rows: 1 });
  t.true(Date.now() - recordedAt >= 150, 'it waited for the interval');
  t.deepEqual(await loginRows(tdb.db, m), { rows: 1, emails: 1 });
  await stop();
});

test.serial('History: logins, payment attempts and booking events of one batch go in as one INSERT per table', async (t) => {
  const { history, stop } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '1000', HISTORY_FLUSH_MS: '3600000' });
  const scheduleId = await makeSchedule(tdb.db);
  const [userId] = (await makeUsers(tdb.db, 1)) as [number];
  const [reservation] = await tdb
    .db('reservations')
    .insert({ schedule_id: scheduleId, user_id: userId, status: 'PENDING', order_id: `ord-${marker()}`, amount: 50000, participants: 2, expires_at: new Date(Date.now() + 600_000) })
    .returning('id');
  const m = marker();
  const inserts: string[] = [];
  const onQuery = (q: { sql: string }) => {
    const table = /^insert into "(login_history|payment_attempts|booking_events)"/i.exec(q.sql)?.[1];
    if (table) inserts.push(table);
  };
  tdb.db.on('query', onQuery);
  recordLogins(history, m, 5);
  for (let i = 0; i < 3; i += 1) {
    const record = { reservationId: reservation.id, orderId: `o-${m}`, paymentKey: `pk-${m}-${i}`, amount: 50000, success: i === 2, code: null, message: null, at: new Date() };
    history.record({ kind: 'payment', record });
  }
  for (const type of ['HELD', 'RESERVED'] as const) history.record({ kind: 'event', record: { scheduleId, userId, reservationId: reservation.id, type, detail: { by: m }, at: new Date() } });
  const written = history.nextWrite();
  await history.flush();
  tdb.db.off('query', onQuery);
  await stop();

  t.like(await written, { ok: true, rows: 10 });
  t.deepEqual(inserts.sort(), ['booking_events', 'login_history', 'payment_attempts']);
  t.is((await loginRows(tdb.db, m)).rows, 5);
  t.is((await tdb.db('payment_attempts').where('order_id', `o-${m}`)).length, 3);
  t.deepEqual(
    (await tdb.db('booking_events').where({ reservation_id: reservation.id }).orderBy('id')).map((e: { type: string; detail: unknown }) => [e.type, e.detail]),
    [
      ['HELD', { by: m }],
      ['RESERVED', { by: m }],
    ],
  );
});

test.serial('History: while the database fails, the batch is retried after a backoff, and once it is back every row is written once', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const backoffMs = 300;
  const { history, stop } = startHistory(db, { HISTORY_FLUSH_MS: '20' }, undefined, { minMs: backoffMs, maxMs: backoffMs });
  const m = marker();
  proxy.cut();
  recordLogins(history, m, 25);
  t.false(await history.flush({ timeoutMs: 300 }), 'a flush gives up after its timeout');
  const failedAt: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    t.false((await history.nextWrite()).ok);
    failedAt.push(Date.now());
  }
  for (const [i, gap] of [failedAt[1]! - failedAt[0]!, failedAt[2]! - failedAt[1]!].entries()) t.true(gap >= backoffMs * 0.8, `retry ${i + 1} came ${gap} ms after the failure before it`);
  t.like(history.stats(), { buffered: 25, rowsWritten: 0 });

  proxy.restore();
  await history.written();
  t.deepEqual(await loginRows(tdb.db, m), { rows: 25, emails: 25 });
  t.like(history.stats(), { buffered: 0, failing: 0, rowsWritten: 25 });
  await stop();
  await db.destroy();
  await proxy.close();
});

test.serial('History: a crash restarts the actor with its rows; none is lost', async (t) => {
  const { history, stop } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '1000', HISTORY_FLUSH_MS: '3600000' });
  const m = marker();
  recordLogins(history, `${m}-a`, 30);
  crashHistoryForTest(history);
  recordLogins(history, `${m}-b`, 30);
  const written = history.nextWrite();
  await history.flush();
  t.like(await written, { ok: true, rows: 60 }, 'the rows from before the crash are in the same batch');
  t.is((await loginRows(tdb.db, m)).rows, 60);
  t.is(history.stats().restarts, 1);
  // Still working after the restart.
  recordLogins(history, `${m}-c`, 1);
  await history.flush();
  t.is((await loginRows(tdb.db, m)).rows, 61);
  await stop();
});

test.serial('History.close: writes what it holds, then takes nothing more', async (t) => {
  const { history, stop } = startHistory(tdb.db, { HISTORY_BATCH_SIZE: '1000', HISTORY_FLUSH_MS: '3600000' });
  const m = marker();
  recordLogins(history, m, 15);
  await history.close();
  t.deepEqual(await loginRows(tdb.db, m), { rows: 15, emails: 15 });
  t.false(history.record({ kind: 'login', record: { userId: null, email: `${m}-late@test.local`, success: true, ip: null, userAgent: null, at: new Date() } }));
  await stop();
});

test.serial('History.close with the database down: the rows go to the spill file, and the next start writes each of them once', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const first = startHistory(db, { HISTORY_BATCH_SIZE: '5', HISTORY_BUFFER_MAX: '10', HISTORY_FLUSH_MS: '20' });
  const m = marker();
  proxy.cut();
  recordLogins(first.history, m, 40);
  await first.history.close({ timeoutMs: 200 });
  await first.stop();
  // Its connections end with it, as a process's do: a write still waiting for one must not land after the next start.
  await db.destroy();
  t.like(first.history.stats(), { buffered: 0, spilledRows: 40 });
  t.is((await loginRows(tdb.db, m)).rows, 0);
  proxy.restore();

  const next = startHistory(tdb.db, {}, first.root);
  t.is(next.history.stats().spilledRows, 40, 'the next start finds them');
  await next.history.written();
  t.deepEqual(await loginRows(tdb.db, m), { rows: 40, emails: 40 });
  t.deepEqual(
    readdirSync(next.spillDir).filter((f) => f.startsWith('history-spill')),
    [],
  );
  t.is(Number((await tdb.db('history_write_guards').where('key', 'like', 'spill:%').count({ n: '*' }))[0]!.n), 0, 'the replay guards are gone with the file');
  await next.stop();
  await proxy.close();
});
