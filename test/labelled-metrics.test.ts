import test from 'ava';
import { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../src/observability/labelled.js';

test('labelled histogram: prom-client renders cumulative buckets, +Inf, sum and count per label set', async (t) => {
  const registry = new Registry();
  const h = new FastHistogram({ name: 'req_seconds', help: 'latency', labelNames: ['route', 'status'], buckets: [0.1, 0.01, 1], registry });
  const ok = h.child('/a', '200');
  for (const v of [0.005, 0.01, 0.05, 0.5, 3]) ok.observe(v);
  h.child('/b', '404').observe(0.02);
  const text = await registry.metrics();
  const lines = text.split('\n').filter((l) => l.startsWith('req_seconds'));
  t.deepEqual(lines, [
    'req_seconds_bucket{route="/a",status="200",le="0.01"} 2',
    'req_seconds_bucket{route="/a",status="200",le="0.1"} 3',
    'req_seconds_bucket{route="/a",status="200",le="1"} 4',
    'req_seconds_bucket{route="/a",status="200",le="+Inf"} 5',
    'req_seconds_sum{route="/a",status="200"} 3.565',
    'req_seconds_count{route="/a",status="200"} 5',
    'req_seconds_bucket{route="/b",status="404",le="0.01"} 0',
    'req_seconds_bucket{route="/b",status="404",le="0.1"} 1',
    'req_seconds_bucket{route="/b",status="404",le="1"} 1',
    'req_seconds_bucket{route="/b",status="404",le="+Inf"} 1',
    'req_seconds_sum{route="/b",status="404"} 0.02',
    'req_seconds_count{route="/b",status="404"} 1',
  ]);
  t.true(text.includes('# TYPE req_seconds histogram'));
});

test('labelled counter: one series per label set, the same child for the same values', async (t) => {
  const registry = new Registry();
  const c = new FastCounter({ name: 'replies_total', help: 'replies', labelNames: ['command', 'code'], registry });
  c.inc('Hold', 'OK');
  c.inc('Hold', 'SCHEDULE_NOT_AVAILABLE');
  c.inc('Hold', 'SCHEDULE_NOT_AVAILABLE');
  t.is(c.child('Hold', 'OK'), c.child('Hold', 'OK'));
  const lines = (await registry.metrics()).split('\n').filter((l) => l.startsWith('replies_total'));
  t.deepEqual(lines, ['replies_total{command="Hold",code="OK"} 1', 'replies_total{command="Hold",code="SCHEDULE_NOT_AVAILABLE"} 2']);
});
