import test from 'ava';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spillDirFor } from '../src/actors/history/index.js';
import { SpillFiles } from '../src/actors/history/spill/index.js';
import { createDb } from '../src/db/knex.js';
import { writeHistoryBatch, type HistoryRow } from '../src/db/repositories/history.js';
import { eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { freshDir, login, loginRows, marker, recordLogins, removeHistoryDirs, startHistory } from './helpers/history.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

/** The history's spill: rows it cannot keep go to disk and come back once, and rows the database refuses are set aside. */
let tdb: TestDatabase;

test.before(async () => {
  tdb = await createTestDatabase();
});

test.after.always(async () => {
  await tdb?.drop();
  removeHistoryDirs();
});

const spillFiles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('history-spill'));

test.serial('History: past HISTORY_BUFFER_MAX rows go to the spill file, and are replayed exactly once', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const { history, spillDir, stop } = startHistory(db, { HISTORY_BUFFER_MAX: '20', HISTORY_BATCH_SIZE: '10', HISTORY_FLUSH_MS: '50' });
  const m = marker();
  proxy.cut();
  recordLogins(history, m, 250);
  // No message says when the actor has taken the last of them (each overflow is synced to disk), so watch its counts.
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
  t.true(spillFiles(spillDir).length > 0);
  proxy.restore();
  await history.flush({ timeoutMs: 15_000 });
  t.deepEqual(await loginRows(tdb.db, m), { rows: 250, emails: 250 });
  t.like(history.stats(), { buffered: 0, spilledRows: 0 });
  t.deepEqual(spillFiles(spillDir), []);
  t.is(Number((await tdb.db('history_write_guards').where('key', 'like', 'spill:%').count({ n: '*' }))[0]!.n), 0, 'replay guards are cleaned up');
  await stop();
  await db.destroy();
  await proxy.close();
});

test.serial('History: a spill file left by a process that died mid-replay is replayed at start, each row exactly once', async (t) => {
  const root = freshDir();
  const spillDir = spillDirFor({ dataDir: root, databaseUrl: undefined });
  const spill = new SpillFiles(spillDir);
  const m = marker();
  const rows: HistoryRow[] = Array.from({ length: 2500 }, (_, i) => ({ kind: 'login', record: login(`${m}-${i}@test.local`, i) }));
  spill.append(rows);
  // The dead process had sealed the file and written its first chunk (lines 0-999) before dying.
  const sealed = spill.seal()!;
  const first = await spill.readChunk(sealed, 0);
  await writeHistoryBatch(tdb.db, { key: `${SpillFiles.keyPrefix(sealed)}0`, rows: first.rows });
  // And it had spilled more rows into a new current file.
  spill.append([{ kind: 'login', record: login(`${m}-extra@test.local`) }]);
  t.is((await loginRows(tdb.db, m)).rows, 1000);

  const { history, stop } = startHistory(tdb.db, {}, root);
  t.is(history.stats().spilledRows, 2501);
  await history.written();
  t.deepEqual(await loginRows(tdb.db, m), { rows: 2501, emails: 2501 });
  t.deepEqual(spillFiles(spillDir), []);
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
  await stop();
});

test.serial('History: a row the database refuses is set aside; the rest of its batch is written', async (t) => {
  const { history, spillDir, stop } = startHistory(tdb.db, { HISTORY_FLUSH_MS: '50' });
  const m = marker();
  history.record({ kind: 'login', record: login(`${m}-1@test.local`) });
  history.record({ kind: 'login', record: { ...login(`${m}-2@test.local`), userId: 2_000_000_000 } }); // no such user: foreign key violation
  history.record({ kind: 'login', record: login(`${m}-3@test.local`) });
  await history.flush();
  t.is((await loginRows(tdb.db, m)).rows, 2);
  t.like(history.stats(), { buffered: 0, rejectedRows: 1, rowsWritten: 2 });
  t.true(readdirSync(spillDir).includes('history-rejected.ndjson'));
  await stop();
});

test.serial('History.abandon with the database down and a write in flight: every row goes to the spill file, and the next start writes each once', async (t) => {
  const proxy = await startTcpProxy();
  const db = createDb({ url: proxy.urlFor(tdb.url), poolMax: 2 });
  const first = startHistory(db, { HISTORY_BATCH_SIZE: '10', HISTORY_FLUSH_MS: '3600000' });
  const m = marker();
  await db.raw('SELECT 1'); // a connection in the pool, so the write gets as far as its statements
  proxy.hang();
  recordLogins(first.history, m, 10); // a full batch: its write starts, and hangs
  recordLogins(first.history, `${m}-q`, 5); // queued behind it
  t.false(await first.history.flush({ timeoutMs: 200 }));
  t.like(first.history.stats(), { buffered: 15, writeFailures: 0 }, 'the batch is still being written');
  await first.history.abandon();
  t.like(first.history.stats(), { buffered: 0, spilledRows: 15 });
  const files = new SpillFiles(first.spillDir);
  const saved = spillFiles(first.spillDir).map((f) => files.countRows(join(first.spillDir, f)));
  t.is(
    saved.reduce((a, b) => a + b, 0),
    15,
  );
  // Its connections end with it, as a process's do.
  await proxy.close();
  await db.destroy();

  const next = startHistory(tdb.db, {}, first.root);
  await next.history.written();
  t.deepEqual(await loginRows(tdb.db, m), { rows: 15, emails: 15 });
  t.deepEqual(spillFiles(next.spillDir), []);
  await next.stop();
});
