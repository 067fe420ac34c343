import test from 'ava';
import { BoundedMap } from '../src/cache/bounded-map.js';
import { RefreshAhead, type RefreshPolicy } from '../src/cache/refresh-ahead.js';

/** A cell on a clock the test sets, whose loads the test settles by hand. */
function manualCell(merge?: RefreshPolicy<string>['merge']) {
  let now = 0;
  const loads: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  const policy: RefreshPolicy<string> = { ttlMs: 1_000, clock: () => now, ...(merge ? { merge } : {}) };
  const cell = new RefreshAhead<string>(policy, () => new Promise<string>((resolve, reject) => loads.push({ resolve, reject })));
  return { cell, loads, at: (ms: number) => (now = ms) };
}

test('refresh-ahead: the first get waits for one load shared by every caller', async (t) => {
  const { cell, loads } = manualCell();
  const a = cell.get();
  const b = cell.get();
  t.true(a instanceof Promise);
  t.is(loads.length, 1, 'one load for two callers');
  loads[0]!.resolve('v1');
  t.deepEqual(await Promise.all([a, b]), ['v1', 'v1']);
});

test('refresh-ahead: fresh answers at once; past half the TTL answers at once and starts one background load', async (t) => {
  const { cell, loads, at } = manualCell();
  const first = cell.get();
  loads[0]!.resolve('v1');
  await first;
  at(400);
  t.is(cell.get(), 'v1', 'fresh: synchronous, no load');
  t.is(loads.length, 1);
  at(600);
  t.is(cell.get(), 'v1', 'past half: still the old value at once');
  t.is(cell.get(), 'v1');
  t.is(loads.length, 2, 'one background load however many asked');
  loads[1]!.resolve('v2');
  await cell.reload();
  t.is(cell.get(), 'v2');
});

test('refresh-ahead: stale waits for the one reload; a failed one rejects its waiters and the next get loads again', async (t) => {
  const { cell, loads, at } = manualCell();
  const first = cell.get();
  loads[0]!.resolve('v1');
  await first;
  at(1_500);
  const waiting = cell.get();
  t.true(waiting instanceof Promise, 'stale: the caller waits');
  loads[1]!.reject(new Error('database down'));
  await t.throwsAsync(waiting as Promise<string>, { message: 'database down' });
  const again = cell.get();
  t.is(loads.length, 3);
  loads[2]!.resolve('v2');
  t.is(await again, 'v2');
});

test('refresh-ahead: a value set while a load runs is merged with what the load brings', async (t) => {
  const { cell, loads, at } = manualCell((kept, loaded) => `${loaded}+${kept}`);
  cell.set('pushed', 0);
  at(600);
  t.is(cell.get(), 'pushed');
  cell.set('newer', 600);
  loads[0]!.resolve('loaded');
  t.is(await cell.reload(), 'loaded+newer');
});

test('bounded map: past its size the oldest entry goes; setting a key again makes it the newest', (t) => {
  const m = new BoundedMap<string, number>(2);
  m.set('a', 1).set('b', 2);
  m.set('a', 10);
  m.set('c', 3);
  t.deepEqual([...m.keys()], ['a', 'c'], 'b was the oldest once a was set again');
  t.is(m.get('a'), 10);
});
