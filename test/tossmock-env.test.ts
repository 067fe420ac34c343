import test from 'ava';
import { optionsFromEnv } from '../src/tossmock/env.js';

test('optionsFromEnv: without variables, listens on 127.0.0.1:8090 with no faults', (t) => {
  t.deepEqual(optionsFromEnv({}), { port: 8090, host: '127.0.0.1' });
});

test('optionsFromEnv: reads the port, secret key and every switch', (t) => {
  const options = optionsFromEnv({
    TOSS_MOCK_PORT: '9100',
    TOSS_SECRET_KEY: 'test_sk_custom',
    TOSS_MOCK_LATENCY_MS: '250',
    TOSS_MOCK_FAILURE_RATE: '0.1',
    TOSS_MOCK_DROP_AFTER_APPROVE: '1',
  });
  t.deepEqual(options, {
    port: 9100,
    host: '127.0.0.1',
    secretKey: 'test_sk_custom',
    latencyMs: 250,
    failureRate: 0.1,
    dropAfterApprove: true,
  });
});

test('optionsFromEnv: TOSS_MOCK_LATENCY_MS "min-max" becomes a random range', (t) => {
  t.deepEqual(optionsFromEnv({ TOSS_MOCK_LATENCY_MS: '100-500' }).latencyMs, { min: 100, max: 500 });
});

test('optionsFromEnv: TOSS_MOCK_DROP_AFTER_APPROVE=0 leaves answers alone', (t) => {
  t.is(optionsFromEnv({ TOSS_MOCK_DROP_AFTER_APPROVE: '0' }).dropAfterApprove, false);
});

const unreadable: Array<[string, Record<string, string>]> = [
  ['a port that is not a number', { TOSS_MOCK_PORT: 'http' }],
  ['a failure rate above 1', { TOSS_MOCK_FAILURE_RATE: '2' }],
  ['a latency that is not a number', { TOSS_MOCK_LATENCY_MS: 'slow' }],
  ['a latency range upside down', { TOSS_MOCK_LATENCY_MS: '500-100' }],
];

for (const [label, env] of unreadable) {
  test(`optionsFromEnv: throws on ${label}`, (t) => {
    t.throws(() => optionsFromEnv(env));
  });
}
