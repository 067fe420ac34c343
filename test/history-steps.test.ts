import test from 'ava';
import { createHistoryState, formBatch, nextStep, oldestOutstanding, type HistoryState } from '../src/actors/history/state.js';

const cfg = { batchSize: 3, flushMs: 1_000 };
const row = { kind: 'login' as const, record: { userId: null, email: 'a@test.local', success: true, ip: null, userAgent: null, at: new Date(0) } };

function withRows(n: number, arrived = 0): HistoryState {
  const s = createHistoryState([]);
  for (let i = 0; i < n; i += 1) s.pending.push({ seq: s.nextSeq++, arrived, row });
  return s;
}

test('nextStep: a lone row waits for the flush interval, counted from its arrival', (t) => {
  t.deepEqual(nextStep(withRows(1, 100), 500, cfg), { kind: 'wait', until: 1_100 });
  t.deepEqual(nextStep(withRows(1, 100), 1_100, cfg), { kind: 'write' });
});

test('nextStep: `batchSize` waiting rows are written at once', (t) => {
  t.deepEqual(nextStep(withRows(3, 100), 100, cfg), { kind: 'write' });
});

test('nextStep: a flush makes the rows before it due at once', (t) => {
  const s = withRows(2, 100);
  s.flushUpTo = 1;
  t.deepEqual(nextStep(s, 100, cfg), { kind: 'write' });
});

test('nextStep: nothing starts while a write is in flight', (t) => {
  const s = withRows(10, 0);
  s.inFlight = { op: 1, kind: 'write', spillIfFails: false };
  t.deepEqual(nextStep(s, 5_000, cfg), { kind: 'idle' });
});

test('nextStep: after a failure, the retry waits for the backoff', (t) => {
  const s = withRows(10, 0);
  s.batch = formBatch(s, 5);
  s.retryAt = 2_000;
  t.deepEqual(nextStep(s, 1_000, cfg), { kind: 'wait', until: 2_000 });
  t.deepEqual(nextStep(s, 2_000, cfg), { kind: 'write' });
});

test('nextStep: spill replay and memory batches take turns', (t) => {
  const s = withRows(5, 0);
  s.sealed.push({ file: 'f', rows: 10, minSeq: 0, guards: [] });
  s.lastOp = 'write';
  t.deepEqual(nextStep(s, 0, cfg), { kind: 'replay' });
  s.lastOp = 'replay';
  t.deepEqual(nextStep(s, 0, cfg), { kind: 'write' });
  t.deepEqual(nextStep(withRows(0), 0, cfg, false), { kind: 'idle' });
});

test('oldestOutstanding: counts queued, batched and spilled rows; spill of an earlier run counts first', (t) => {
  const s = withRows(4);
  s.batch = formBatch(s, 2);
  t.is(oldestOutstanding(s), 1);
  s.batch = null;
  t.is(oldestOutstanding(s), 3);
  s.sealed.push({ file: 'old', rows: 1, minSeq: 0, guards: [] });
  t.is(oldestOutstanding(s), 0);
  t.is(oldestOutstanding(createHistoryState([])), Infinity);
});
