import test from 'ava';
import { GrantWindows } from '../src/services/grant-windows.js';

const MINUTE = 60_000;

test('a user may be granted the window’s points, then waits for the window that began with their first grant to end', (t) => {
  const w = new GrantWindows(3, MINUTE, 0);
  w.granted(7, 1_000);
  w.granted(7, 2_000);
  t.is(w.retryAfterSeconds(7, 2_500), 0);
  w.granted(7, 3_000);
  t.is(w.retryAfterSeconds(7, 3_000), 58, 'the window began at 1 s and ends at 61 s');
  t.is(w.retryAfterSeconds(7, 60_500), 1);
  t.is(w.retryAfterSeconds(8, 3_000), 0, 'another user has a window of their own');
  t.is(w.retryAfterSeconds(7, 61_000), 0, 'a new window once it ended');
  w.granted(7, 61_000);
  t.is(w.retryAfterSeconds(7, 61_000), 0);
});

test('ended windows do not pile up: they are swept once a window', (t) => {
  const w = new GrantWindows(1, MINUTE, 0);
  for (let user = 1; user <= 1_000; user += 1) w.granted(user, user);
  t.is(w.size, 1_000);
  w.granted(5_000, MINUTE + 2_000);
  t.is(w.size, 1, 'only the live window is left');
});
