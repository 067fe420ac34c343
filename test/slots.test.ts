import test from 'ava';
import { Slots } from '../src/services/slots.js';

test('slots: at most `size` tasks run at once, the rest start in arrival order as slots free up', async (t) => {
  const slots = new Slots(2);
  const started: number[] = [];
  const finish: (() => void)[] = [];
  const task = (n: number) => () =>
    new Promise<number>((resolve) => {
      started.push(n);
      finish[n] = () => resolve(n);
    });
  const results = [0, 1, 2, 3].map((n) => slots.run(task(n)));
  await new Promise((r) => setImmediate(r));
  t.deepEqual(started, [0, 1]);
  t.deepEqual(slots.stats(), { running: 2, waiting: 2 });
  finish[1]!();
  await results[1];
  await new Promise((r) => setImmediate(r));
  t.deepEqual(started, [0, 1, 2]);
  finish[0]!();
  finish[2]!();
  await Promise.all([results[0], results[2]]);
  await new Promise((r) => setImmediate(r));
  t.deepEqual(started, [0, 1, 2, 3]);
  finish[3]!();
  t.deepEqual(await Promise.all(results), [0, 1, 2, 3]);
  t.deepEqual(slots.stats(), { running: 0, waiting: 0 });
});

test('slots: a task that fails still frees its slot', async (t) => {
  const slots = new Slots(1);
  await t.throwsAsync(
    slots.run(async () => Promise.reject(new Error('boom'))),
    { message: 'boom' },
  );
  t.is(await slots.run(async () => 'next'), 'next');
  t.deepEqual(slots.stats(), { running: 0, waiting: 0 });
});
