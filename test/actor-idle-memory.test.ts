import test from 'ava';
import { dispatch, spawnStateless, start, stop } from 'nact';
// The service's actor system, for the runtime patch it loads before any actor runs.
import '../src/actors/system.js';
import { releaseMemory } from '../src/runtime/memory.js';

test('an idle actor keeps nothing alive that was queued in the turn its last message ran in', async (t) => {
  const system = start();
  let handled!: () => void;
  const done = new Promise<void>((resolve) => (handled = resolve));
  const actor = spawnStateless(system, () => handled(), 'idle');
  let ref!: WeakRef<number[]>;
  let ran!: () => void;
  const sameTurn = new Promise<void>((resolve) => (ran = resolve));
  (() => {
    const held = new Array<number>(10_000).fill(1);
    ref = new WeakRef(held);
    dispatch(actor, 'go');
    // Queued right behind the actor's own Immediate, with an argument, as Node closes a parser.
    setImmediate((array: number[]) => {
      t.is(array.length, 10_000);
      ran();
    }, held);
  })();
  await Promise.all([done, sameTurn]);
  await releaseMemory();
  t.is(ref.deref(), undefined, 'collected once both have run');
  stop(system);
});
