import test from 'ava';
import { UserCache } from '../src/services/user-cache.js';

const user = (i: number, email = `u${i}@test.local`) => ({ id: i, email, name: `User ${i}`, role: 'USER' as const, passwordHash: `hash-${i}` });

test('UserCache.recall: finds a remembered user by email, whatever its case', (t) => {
  const cache = new UserCache();
  cache.remember(user(1, 'Mixed@Test.Local'));
  t.like(cache.recall('mixed@test.local'), { id: 1, passwordHash: 'hash-1' });
  t.is(cache.recall('other@test.local'), null);
});

test('UserCache.recall: never serves an entry older than the TTL', (t) => {
  let now = 0;
  const cache = new UserCache({ ttlMs: 1_000, now: () => now });
  cache.remember(user(1));
  now = 1_000;
  t.truthy(cache.recall('u1@test.local'));
  now = 1_001;
  t.is(cache.recall('u1@test.local'), null);
  t.is(cache.size, 0);
});

test('UserCache.remember: past the bound, the least recently used entry goes first', (t) => {
  const cache = new UserCache({ max: 3 });
  for (const i of [1, 2, 3]) cache.remember(user(i));
  cache.recall('u1@test.local'); // 2 is now the least recently used
  cache.remember(user(4));
  t.is(cache.size, 3);
  t.is(cache.recall('u2@test.local'), null);
  t.truthy(cache.recall('u1@test.local'));
  t.truthy(cache.recall('u4@test.local'));
});

test('UserCache.forget: drops the entry', (t) => {
  const cache = new UserCache();
  cache.remember(user(1));
  cache.forget('U1@test.local');
  t.is(cache.recall('u1@test.local'), null);
});
