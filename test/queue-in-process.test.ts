import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessQueues, JobFailedError, JobTimeoutError, PermanentJobError } from '../src/queue/index.js';

test('add: the job runs on the handler and result() resolves with its return value, as JSON', async (t) => {
  const queues = createInProcessQueues();
  queues.process<{ at: Date }, { seen: string; at: Date }>('echo', 1, async (data) => ({ seen: typeof data.at, at: new Date(0) }));
  const job = await queues.add('echo', { at: new Date() });
  t.deepEqual(await job.result(1000), { seen: 'string', at: new Date(0).toISOString() } as never);
  await queues.close();
});

test('add: a job added before its handler waits for it', async (t) => {
  const queues = createInProcessQueues();
  const job = await queues.add('later', { n: 1 });
  queues.process<{ n: number }, number>('later', 1, async ({ n }) => n + 1);
  t.is(await job.result(1000), 2);
  await queues.close();
});

test('add: a failing job is retried with backoff up to its attempts, then result() rejects with the last reason', async (t) => {
  const queues = createInProcessQueues();
  const tries: number[] = [];
  queues.process('flaky', 1, async (_data, job) => {
    tries.push(Date.now());
    throw new Error(`try ${job.attemptsMade + 1} failed`);
  });
  const job = await queues.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delayMs: 30 } });
  const err = await t.throwsAsync(job.result(2000), { instanceOf: JobFailedError });
  t.is(err?.message, 'try 3 failed');
  t.is(tries.length, 3);
  t.true(tries[2]! - tries[1]! >= 25);
  await queues.close();
});

test('add: a job that succeeds on a retry resolves', async (t) => {
  const queues = createInProcessQueues();
  let calls = 0;
  queues.process('second-time', 1, async () => {
    calls += 1;
    if (calls === 1) throw new Error('not yet');
    return 'ok';
  });
  const job = await queues.add('second-time', {}, { attempts: 2, backoff: { type: 'exponential', delayMs: 10 } });
  t.is(await job.result(1000), 'ok');
  await queues.close();
});

test('add: a PermanentJobError fails the job at once, without retries', async (t) => {
  const queues = createInProcessQueues();
  let calls = 0;
  queues.process('bad', 1, async () => {
    calls += 1;
    throw new PermanentJobError('bad data');
  });
  const job = await queues.add('bad', {}, { attempts: 5 });
  await t.throwsAsync(job.result(1000), { instanceOf: JobFailedError, message: 'bad data' });
  t.is(calls, 1);
  await queues.close();
});

test('add: a second job with the same jobId is the first one, run once', async (t) => {
  const queues = createInProcessQueues();
  let calls = 0;
  queues.process('once', 1, async () => (calls += 1));
  const a = await queues.add('once', {}, { jobId: 'pay-42' });
  const b = await queues.add('once', {}, { jobId: 'pay-42' });
  t.is(a.id, b.id);
  t.is(await b.result(1000), 1);
  t.is(calls, 1);
  await queues.close();
});

test('process: never more than `concurrency` jobs at a time', async (t) => {
  const queues = createInProcessQueues();
  let running = 0;
  let peak = 0;
  queues.process('narrow', 3, async () => {
    running += 1;
    peak = Math.max(peak, running);
    await sleep(10); // the job's work, not synchronisation
    running -= 1;
  });
  const jobs = await Promise.all(Array.from({ length: 20 }, () => queues.add('narrow', {})));
  await Promise.all(jobs.map((j) => j.result(2000)));
  t.is(peak, 3);
  await queues.close();
});

test('result: rejects with JobTimeoutError when the job takes longer than the timeout', async (t) => {
  const queues = createInProcessQueues();
  queues.process('slow', 1, () => sleep(200)); // a job slower than the result() timeout
  const job = await queues.add('slow', {});
  await t.throwsAsync(job.result(20), { instanceOf: JobTimeoutError });
  await queues.close();
});

test('repeat: runs every interval, the next run timed from the end of the last', async (t) => {
  const queues = createInProcessQueues();
  const starts: number[] = [];
  let third!: () => void;
  const thirdStart = new Promise<void>((resolve) => (third = resolve));
  queues.repeat('tick', 20, async () => {
    starts.push(Date.now());
    if (starts.length === 3) third();
    await sleep(30); // the run's work, not synchronisation
  });
  let deadline: NodeJS.Timeout | undefined;
  await Promise.race([thirdStart, new Promise<void>((resolve) => (deadline = setTimeout(resolve, 2000)))]);
  clearTimeout(deadline);
  await queues.close();
  t.true(starts.length >= 3, `${starts.length} runs`);
  // 30 ms of run, then 20 ms of wait: never sooner than 50 ms apart (a timer may fire 1 ms early).
  for (let i = 1; i < starts.length; i += 1) t.true(starts[i]! - starts[i - 1]! >= 49, `${starts[i]! - starts[i - 1]!} ms apart`);
});

test('close: waits for the running job, then nothing else runs and waiting jobs fail', async (t) => {
  const queues = createInProcessQueues();
  let finished = 0;
  let started!: () => void;
  const firstStarted = new Promise<void>((resolve) => (started = resolve));
  queues.process('one-at-a-time', 1, async () => {
    started();
    await sleep(30); // the job's work, not synchronisation
    finished += 1;
  });
  const first = await queues.add('one-at-a-time', {});
  const second = await queues.add('one-at-a-time', {});
  await firstStarted;
  await queues.close();
  t.is(finished, 1);
  await first.result(10);
  await t.throwsAsync(second.result(10), { instanceOf: JobFailedError });
  await t.throwsAsync(queues.add('one-at-a-time', {}));
});

test('counts: waiting, active, delayed and failed jobs by queue', async (t) => {
  const queues = createInProcessQueues();
  await queues.add('nobody-takes', {});
  await queues.add('nobody-takes', {}, { delayMs: 10_000 });
  queues.process('fails', 1, async () => {
    throw new PermanentJobError('no');
  });
  await t.throwsAsync((await queues.add('fails', {})).result(1000));
  t.deepEqual(await queues.counts(), {
    'nobody-takes': { waiting: 1, active: 0, delayed: 1, failed: 0 },
    fails: { waiting: 0, active: 0, delayed: 0, failed: 1 },
  });
  await queues.close();
});
