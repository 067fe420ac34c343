import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../src/http/auth/jwt.js';
import { eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { startInstance, type Instance } from './fixtures/instance.js';

// A real process (`node --import tsx src/main.ts`) stopped with SIGTERM while it is busy.

/** main.ts gives shutdown this long before it gives up and exits 1. */
const SHUTDOWN_LIMIT_MS = 10_000;

let database: TestDatabase;
const instances: Instance[] = [];
const dataDirs: string[] = [];

test.before(async () => {
  database = await createTestDatabase(5);
});

test.after.always(async () => {
  await Promise.allSettled(instances.map((i) => i.stop()));
  await database?.drop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roomescape-shutdown-'));
  dataDirs.push(dataDir);
  // REDIS_URL empty = unset: in-process queues, whatever the test runner's environment says.
  const instance = await startInstance({ DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dataDir, REDIS_URL: '', DATABASE_POOL_MAX: '10' });
  instances.push(instance);
  return instance;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** Resolves when the child exits; listen before signalling it. */
const exitOf = (instance: Instance): Promise<Exit> =>
  new Promise((resolve) => {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) {
      resolve({ code: instance.child.exitCode, signal: instance.child.signalCode, at: Date.now() });
      return;
    }
    instance.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });

/** Waits for the exit, but not forever: past `ms` the child is killed and the exit reported as it is. */
async function exitWithin(exit: Promise<Exit>, instance: Instance, ms: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      instance.child.kill('SIGKILL');
      resolve();
    }, ms);
  });
  await Promise.race([exit, killed]);
  clearTimeout(timer);
  return exit;
}

/** Resolves with the first log line whose msg is `msg`, checked each time the instance prints; rejects if it exits first. */
function logged(instance: Instance, msg: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const out = instance.child.stdout!;
    const find = () => instance.lines.find((l) => l.msg === msg);
    const end = (fn: () => void) => {
      out.off('data', onData);
      instance.child.off('exit', onExit);
      clearTimeout(timer);
      fn();
    };
    // On the next turn: the fixture's reader of the chunk has added its lines by then.
    const onData = () =>
      void setImmediate(() => {
        const line = find();
        if (line) end(() => resolve(line));
      });
    const onExit = () =>
      void setImmediate(() => {
        const line = find();
        end(() => (line ? resolve(line) : reject(new Error(`the instance exited without logging "${msg}"`))));
      });
    const timer = setTimeout(() => end(() => reject(new Error(`no "${msg}" line within ${timeoutMs} ms`))), timeoutMs);
    out.on('data', onData);
    instance.child.once('exit', onExit);
    const line = find();
    if (line) end(() => resolve(line));
  });
}

interface Attempt {
  email: string;
  userAgent: string;
  password: string;
  /** HTTP status, or undefined when the request failed at the connection. */
  status?: number;
  error?: string;
  /** Sent after SIGTERM was sent. */
  afterSignal: boolean;
  /** Answered after SIGTERM was sent. */
  answeredAfterSignal?: boolean;
}

test.serial('SIGTERM while logins are flowing (child process) → every accepted login has its history row', async (t) => {
  t.timeout(90_000);
  const ids = await makeUsers(database.db, 50);
  const users: { email: string }[] = await database.db('users').whereIn('id', ids).select('email');
  const emails = users.map((u) => u.email);
  const instance = await start();
  const exit = exitOf(instance);

  const run = randomBytes(4).toString('hex');
  const attempts: Attempt[] = [];
  let accepted = 0;
  let signalledAt: number | undefined;
  let exited = false;
  void exit.then(() => (exited = true));
  const ACCEPTED_BEFORE_SIGNAL = 100;
  let flowing!: () => void;
  const isFlowing = new Promise<void>((resolve) => (flowing = resolve));

  const loop = async (worker: number) => {
    const { email } = users[worker % users.length]!;
    for (let n = 0; !exited; n += 1) {
      // One in five with a wrong password: a 401 is an accepted login too, recorded as a failure.
      const password = n % 5 === 4 ? 'not-the-password' : TEST_PASSWORD;
      const attempt: Attempt = { email, userAgent: `shutdown-${run}-w${worker}-n${n}`, password, afterSignal: signalledAt !== undefined };
      attempts.push(attempt);
      try {
        const res = await fetch(`${instance.url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': attempt.userAgent },
          body: JSON.stringify({ email, password }),
        });
        await res.arrayBuffer();
        attempt.status = res.status;
        attempt.answeredAfterSignal = signalledAt !== undefined;
        if (res.status === 200 || res.status === 401) {
          accepted += 1;
          if (accepted >= ACCEPTED_BEFORE_SIGNAL) flowing();
        }
      } catch (err) {
        attempt.error = String((err as { cause?: unknown }).cause ?? err);
        // Once the instance is stopping, refused and reset connections are expected: this loop is done.
        if (signalledAt !== undefined) return;
        throw new Error(`login failed before SIGTERM: ${attempt.error}`, { cause: err });
      }
    }
  };
  const loops = Promise.allSettled(Array.from({ length: 50 }, (_, worker) => loop(worker)));

  await Promise.race([isFlowing, loops.then(() => Promise.reject(new Error('every login loop ended before SIGTERM')))]);
  signalledAt = Date.now();
  instance.child.kill('SIGTERM');
  // Bounded well past main.ts's own 10 s limit, so a hang shows as a late exit, not a test timeout.
  const { code, signal, at } = await exitWithin(exit, instance, SHUTDOWN_LIMIT_MS + 10_000);
  const loopResults = await loops;

  const failedLoops = loopResults.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  const elapsed = at - signalledAt;
  const acceptedAttempts = attempts.filter((a) => a.status === 200 || a.status === 401);
  const unanswered = new Set(attempts.filter((a) => a.status === undefined).map((a) => a.userAgent));
  const others = attempts.filter((a) => a.status !== undefined && a.status !== 200 && a.status !== 401);
  const inFlightAnswered = acceptedAttempts.filter((a) => !a.afterSignal && a.answeredAfterSignal).length;

  // The database the child wrote to: by now its history is flushed, or lost.
  const rows: { email: string; user_agent: string; success: boolean }[] = await database.db('login_history').whereIn('email', emails).select('email', 'user_agent', 'success');
  const byAgent = new Map<string, { email: string; success: boolean }[]>();
  for (const row of rows) byAgent.set(row.user_agent, [...(byAgent.get(row.user_agent) ?? []), row]);
  const missing = acceptedAttempts.filter((a) => !byAgent.has(a.userAgent));
  const duplicated = [...byAgent].filter(([, rs]) => rs.length > 1).map(([agent]) => agent);
  const wrong = acceptedAttempts.filter((a) => {
    const row = byAgent.get(a.userAgent)?.[0];
    return row && (row.email !== a.email || row.success !== (a.status === 200));
  });
  // A row with no answer seen is fine only for a request whose connection failed (taken, answer lost).
  const answered = new Set(acceptedAttempts.map((a) => a.userAgent));
  const stray = [...byAgent.keys()].filter((agent) => !answered.has(agent) && !unanswered.has(agent));
  t.log(
    `${attempts.length} logins sent, ${acceptedAttempts.length} answered 200/401 (${inFlightAnswered} in flight at SIGTERM, ${acceptedAttempts.filter((a) => a.afterSignal).length} sent after it), ` +
      `${unanswered.size} failed at the connection, ${rows.length} history rows, ${missing.length} accepted logins without a row; ` +
      `exit code ${code} (signal ${signal}) ${elapsed} ms after SIGTERM`,
  );

  // AVA 6 stops a test at its first failed assertion: the log line above has the whole picture.
  t.deepEqual(failedLoops, [], 'no connection errors before SIGTERM');
  t.deepEqual(
    others.map((a) => a.status),
    [],
    'every answer is 200 or 401',
  );
  t.true(inFlightAnswered > 0, 'logins in flight at SIGTERM are answered');
  t.is(missing.length, 0, `accepted logins with no history row, e.g. ${JSON.stringify(missing.slice(0, 3))}`);
  t.deepEqual(duplicated, [], 'one row per login');
  t.deepEqual(wrong, [], 'each row says who logged in and whether it worked');
  t.deepEqual(stray, [], 'every row belongs to a login this test sent');
  t.is(code, 0, `exit code; last lines: ${JSON.stringify(instance.lines.slice(-3))}`);
  t.true(elapsed < SHUTDOWN_LIMIT_MS, `exited ${elapsed} ms after SIGTERM`);
  t.true(instance.lines.some((l) => l.msg === 'shutting down'));
  const stopped = instance.lines.find((l) => l.msg === 'stopped');
  // On a starved machine the flush may run out of its share of the budget: what is left goes to disk, and the line says how much.
  t.like(stopped, { signal: 'SIGTERM' }, 'the last line says what the stop flushed');
  for (const field of ['historyRowsFlushed', 'historyRowsOnDisk', 'requestsDrained', 'tookMs']) t.is(typeof stopped?.[field], 'number', field);
});

test.serial('SIGTERM: a hold request in flight when SIGTERM arrives still gets its answer', async (t) => {
  t.timeout(60_000);
  const scheduleId = await makeSchedule(database.db);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const instance = await start();
  const exit = exitOf(instance);
  const token = signToken({ sub: userId, role: 'USER' }, TEST_JWT_SECRET, 3600);

  // Lock the row, so the actor's compare-and-set (claim_holds, for a hold) waits: the hold is then surely in flight.
  const lock = await database.db.transaction();
  let committed = false;
  try {
    await lock('schedules').where('id', scheduleId).forUpdate().first();
    const answer = fetch(`${instance.url}/schedules/${scheduleId}/hold`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(
      async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }),
      (err: unknown) => ({ status: 0, body: { error: String((err as { cause?: unknown }).cause ?? err) } }),
    );
    // Nothing announces that the UPDATE is waiting on the lock; the database says so.
    await eventually(async () => {
      const { rows } = await database.db.raw<{ rows: unknown[] }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND (query ILIKE '%claim_holds%' OR query ILIKE '%update%schedules%')`,
      );
      return rows.length > 0;
    }, 10_000);

    const signalledAt = Date.now();
    instance.child.kill('SIGTERM');
    await logged(instance, 'shutting down');
    await lock.commit();
    committed = true;

    const reply = await answer;
    t.is(reply.status, 200, JSON.stringify(reply.body));
    t.like(reply.body, { scheduleId, status: 'HOLD' });
    const { code, signal, at } = await exitWithin(exit, instance, SHUTDOWN_LIMIT_MS + 10_000);
    t.is(code, 0, `exit code (signal ${signal}); last lines: ${JSON.stringify(instance.lines.slice(-5))}`);
    t.true(at - signalledAt < SHUTDOWN_LIMIT_MS, `exited ${at - signalledAt} ms after SIGTERM`);
    const row = await database.db('schedules').where('id', scheduleId).first();
    t.like(row, { status: 'HOLD', held_by: userId });
  } finally {
    if (!committed) await lock.rollback().catch(() => undefined);
  }
});
