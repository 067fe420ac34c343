import test from 'ava';
import { RefusedRecently } from '../src/services/refused-recently.js';

test('refused-recently: counts refusals by second and forgets those older than the window asked for', (t) => {
  let now = 10_000;
  const refused = new RefusedRecently(() => now);
  refused.add();
  refused.add();
  now += 1_000;
  refused.add();
  t.is(refused.within(1), 1);
  t.is(refused.within(2), 3);
  now += 2_000;
  t.is(refused.within(1), 0);
  t.is(refused.within(3), 1);
  t.is(refused.within(4), 3);
});

test('refused-recently: after more than a minute of quiet every count is gone, and the window is at most a minute', (t) => {
  let now = 0;
  const refused = new RefusedRecently(() => now);
  for (let s = 0; s < 90; s += 1) {
    refused.add();
    now += 1_000;
  }
  // Seconds 31 to 89 had one each; this second (90) none yet.
  t.is(refused.within(1_000), 59);
  now += 61_000;
  t.is(refused.within(60), 0);
  refused.add();
  t.is(refused.within(60), 1);
});
