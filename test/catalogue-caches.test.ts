import test from 'ava';
import { ScheduleListings } from '../src/services/listings.js';
import { TtlCache } from '../src/services/ttl-cache.js';
import { addDays, kstDate } from '../src/time/kst.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeTheme } from './helpers/fixtures.js';
import { within } from './helpers/wait.js';

let database: TestDatabase;
const date = addDays(kstDate(new Date()), 4);

test.before(async () => {
  database = await createTestDatabase(4);
});

test.after.always(async () => {
  await database?.drop();
});

/** A promise and the functions that settle it, for loads the test finishes by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A TTL cache on a clock the test sets, whose loads the test settles by hand. */
function manualCache() {
  let now = 0;
  const cache = new TtlCache<string>(1_000, 10, () => now);
  const loads: ReturnType<typeof deferred<string>>[] = [];
  const load = () => {
    const d = deferred<string>();
    loads.push(d);
    return d.promise;
  };
  return { cache, loads, load, at: (ms: number) => (now = ms) };
}

const statusIn = (json: string | null, id: number) => (JSON.parse(json ?? '[]') as { id: number; status: string }[]).find((s) => s.id === id)?.status;

test('listings: a day asked for past half its TTL answers from memory at once and is re-read in the background', async (t) => {
  const listings = new ScheduleListings(database.db, 1_000);
  const themeId = await makeTheme(database.db);
  const id = await makeSchedule(database.db, { themeId, date, startTime: '10:00' });
  t.is(statusIn(await listings.json(themeId, date), id), 'AVAILABLE');
  await database
    .db('schedules')
    .where({ id })
    .update({ status: 'BLOCKED', version: database.db.raw('version + 1') });

  t.is(statusIn(await listings.json(themeId, date, Date.now() + 600), id), 'AVAILABLE', 'answered from memory, not after a read');
  // Asked again with the real clock (well inside the TTL, so no read of its own): the background read lands.
  const seen = await within(
    'the background read to land',
    2_000,
    (async () => {
      let status = statusIn(await listings.json(themeId, date), id);
      while (status !== 'BLOCKED') {
        await new Promise((r) => setTimeout(r, 10));
        status = statusIn(await listings.json(themeId, date), id);
      }
      return status;
    })(),
  );
  t.is(seen, 'BLOCKED');
});

test('listings: a read that started before an actor committed does not undo that commit', async (t) => {
  const listings = new ScheduleListings(database.db, 0);
  const themeId = await makeTheme(database.db);
  const id = await makeSchedule(database.db, { themeId, date, startTime: '11:00' });
  t.is(statusIn(await listings.json(themeId, date), id), 'AVAILABLE');
  const row = await database.db('schedules').where({ id }).first();
  // The actor's commit (version 1) reaches the listing; the next read still sees version 0, as a read begun before the commit would.
  listings.apply({ id, themeId, date, startTime: '11:00', status: 'HOLD', version: row.version + 1 } as never);
  t.is(statusIn(await listings.json(themeId, date), id), 'HOLD');
});

test('listings: a commit older than what the listing shows is ignored', async (t) => {
  const listings = new ScheduleListings(database.db, 60_000);
  const themeId = await makeTheme(database.db);
  const id = await makeSchedule(database.db, { themeId, date, startTime: '12:00' });
  await database.db('schedules').where({ id }).update({ status: 'BLOCKED', version: 3 });
  t.is(statusIn(await listings.json(themeId, date), id), 'BLOCKED');
  listings.apply({ id, themeId, date, startTime: '12:00', status: 'HOLD', version: 2 } as never);
  t.is(statusIn(await listings.json(themeId, date), id), 'BLOCKED');
});

test('ttl cache: past half the TTL the old value answers while one background load replaces it', async (t) => {
  const { cache, loads, load, at } = manualCache();
  const first = cache.get('k', load);
  loads[0]!.resolve('v1');
  t.is(await first, 'v1');
  at(600);
  t.is(await cache.get('k', load), 'v1');
  t.is(await cache.get('k', load), 'v1');
  t.is(loads.length, 2, 'one background load, not one per request');
  loads[1]!.resolve('v2');
  await loads[1]!.promise;
  await new Promise((r) => setImmediate(r));
  t.is(await cache.get('k', load), 'v2');
  t.is(loads.length, 2);
});

test('ttl cache: a background load that started before clear() is not kept', async (t) => {
  const { cache, loads, load, at } = manualCache();
  const first = cache.get('k', load);
  loads[0]!.resolve('before');
  await first;
  at(600);
  await cache.get('k', load);
  cache.clear();
  loads[1]!.resolve('stale');
  await new Promise((r) => setImmediate(r));
  const after = cache.get('k', load);
  t.is(loads.length, 3, 'after clear() the next get loads again');
  loads[2]!.resolve('after');
  t.is(await after, 'after');
});

test('ttl cache: a failed background load leaves the old value until its TTL ends', async (t) => {
  let now = 0;
  const cache = new TtlCache<string>(1_000, 10, () => now);
  let calls = 0;
  const load = async () => {
    calls += 1;
    if (calls > 1) throw new Error('database down');
    return 'v1';
  };
  t.is(await cache.get('k', load), 'v1');
  now = 700;
  t.is(await cache.get('k', load), 'v1');
  await new Promise((r) => setImmediate(r));
  t.is(await cache.get('k', load), 'v1', 'still answering');
  now = 1_000;
  await t.throwsAsync(cache.get('k', load), { message: 'database down' });
});
