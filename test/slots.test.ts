import test from 'ava';
import { Slots, SlotsFull } from '../src/services/slots.js';

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

test('slots: past the bound a task is refused at once, and admit() refuses it before any work', async (t) => {
  const slots = new Slots(1, 1);
  let release!: () => void;
  const running = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
  const waiting = slots.run(async () => 'waited');
  t.notThrows(() => new Slots(1, 1).admit());
  const refused = t.throws(() => slots.admit(), { instanceOf: SlotsFull });
  t.true(refused.retryAfterSeconds >= 1);
  await t.throwsAsync(
    slots.run(async () => 'never'),
    { instanceOf: SlotsFull },
  );
  release();
  await running;
  t.is(await waiting, 'waited');
  t.notThrows(() => slots.admit());
});

test('slots: Retry-After counts the clients refused lately, who will come back, as ahead of the next one', async (t) => {
  const slots = new Slots(1, 0);
  let release!: () => void;
  const running = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
  // The task's running time is not known yet: the estimate takes 100 ms a task.
  const first = t.throws(() => slots.admit(), { instanceOf: SlotsFull }).retryAfterSeconds;
  const after = Array.from({ length: 40 }, () => t.throws(() => slots.admit(), { instanceOf: SlotsFull }).retryAfterSeconds);
  t.is(first, 1);
  // 40 refused within the last second are ahead of the 41st: about 4 s at 100 ms each.
  t.is(after.at(-1), 4);
  t.true(
    after.every((s, i) => i === 0 || s >= after[i - 1]!),
    'the estimate only grows while refusals pile up',
  );
  release();
  await running;
});
