import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startService, type RunningService } from '../src/server.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { TEST_JWT_SECRET } from './helpers/service.js';
import { within } from './helpers/wait.js';

/**
 * Faults that are the client's, answered as such: the service as `npm start` wires it (src/server.ts,
 * so the HTTP server's own limits are the ones in use), over real PostgreSQL, its log captured.
 */
let database: TestDatabase;
let service: RunningService;
let dataDir: string;
const REQUEST_TIMEOUT_MS = 1_000;

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  status?: number;
}
const lines: LogLine[] = [];
const watchers = new Set<(line: LogLine) => void>();

test.before(async () => {
  database = await createTestDatabase(4);
  dataDir = mkdtempSync(join(tmpdir(), 'roomescape-faults-'));
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dataDir, REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  const log = pino(
    { level: 'debug' },
    {
      write(text: string) {
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        for (const watch of watchers) watch(line);
      },
    },
  );
  service = await startService(config, log);
});

test.after.always(async () => {
  await service?.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const port = () => Number(new URL(service.url).port);

/** The service's log line saying it answered the request with this X-Request-Id: observe() writes it once the request is done. */
function answered(requestId: string): Promise<LogLine> {
  const done = lines.find((l) => l.msg === 'request' && l.reqId === requestId);
  if (done) return Promise.resolve(done);
  return new Promise((resolve) => {
    const watch = (line: LogLine) => {
      if (line.msg !== 'request' || line.reqId !== requestId) return;
      watchers.delete(watch);
      resolve(line);
    };
    watchers.add(watch);
  });
}

/** Warnings and worse logged while `run` ran. */
async function complaintsDuring(run: () => Promise<void>): Promise<LogLine[]> {
  const from = lines.length;
  await run();
  return lines.slice(from).filter((l) => l.level >= 40);
}

/** How many requests /metrics counts with a 5xx status. */
async function serverErrorsCounted(): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('http_request_duration_seconds_count{') && /status="5\d\d"/.test(l))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const userCount = async () => Number((await database.db('users').count({ n: '*' }))[0]!.n);

/** Sends `text` on a fresh connection and resolves with everything the server wrote before it closed. */
function rawExchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(port(), '127.0.0.1', () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

function parseResponse(raw: string): { status: number; headers: string; body: any } {
  const split = raw.indexOf('\r\n\r\n');
  return { status: Number(raw.slice(9, 12)), headers: raw.slice(0, split), body: JSON.parse(raw.slice(split + 4)) };
}

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(service.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

/** A body sent chunked, without Content-Length, in one write: the server sees its bytes as they come. */
function postChunked(path: string, body: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    // The server answers before reading it all; what it did not read is not an error of this test.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    req.end(body);
  });
}

const nested = (depth: number, inner = '') => '['.repeat(depth) + inner + ']'.repeat(depth);
const TOO_DEEP = 'body: nested deeper than 64 levels';

test('loadConfig: REQUEST_TIMEOUT_MS is 30 s unless set', (t) => {
  t.is(loadConfig({}).requestTimeoutMs, 30_000);
  t.is(loadConfig({ REQUEST_TIMEOUT_MS: '5000' }).requestTimeoutMs, 5_000);
});

test.serial('JSON nested 64 deep reaches the schema, which names what is wrong', async (t) => {
  const asBody = await post('/auth/login', nested(64));
  const inField = await post('/auth/login', `{"email":${nested(63, '"a@b.cd"')},"password":"x"}`);

  t.deepEqual(asBody, { status: 400, body: { code: 'INVALID_REQUEST', message: 'body: Expected object, received array' } });
  t.is(inField.status, 400);
  t.true(inField.body.message.startsWith('email:'), inField.body.message);
});

test.serial('JSON nested 65 deep, as arrays or objects, answers 400 INVALID_REQUEST before any parsing', async (t) => {
  const arrays = await post('/auth/login', nested(65));
  const objects = await post('/auth/login', `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`);
  const inField = await post('/auth/login', `{"email":${nested(64, '"a@b.cd"')},"password":"x"}`);

  for (const res of [arrays, objects, inField]) t.deepEqual(res, { status: 400, body: { code: 'INVALID_REQUEST', message: TOO_DEEP } });
});

test.serial('JSON nested 8,000 deep (under 16 KiB, once a stack overflow and a 500) answers 400, logs nothing and counts no 5xx', async (t) => {
  const errorsBefore = await serverErrorsCounted();
  let arrays: Awaited<ReturnType<typeof post>> | undefined;
  let objects: Awaited<ReturnType<typeof post>> | undefined;
  const complaints = await complaintsDuring(async () => {
    arrays = await post('/auth/login', nested(8_000));
    objects = await post('/auth/signup', `${'{"a":'.repeat(2_500)}1${'}'.repeat(2_500)}`);
  });

  t.deepEqual(arrays, { status: 400, body: { code: 'INVALID_REQUEST', message: TOO_DEEP } });
  t.deepEqual(objects, { status: 400, body: { code: 'INVALID_REQUEST', message: TOO_DEEP } });
  t.deepEqual(complaints, []);
  t.is(await serverErrorsCounted(), errorsBefore);
});

test.serial('JSON nested 10,000 and 100,000 deep answers 400 when streamed, 413 when its declared length is over 16 KiB', async (t) => {
  const errorsBefore = await serverErrorsCounted();
  for (const depth of [10_000, 100_000]) {
    t.deepEqual(await postChunked('/auth/login', nested(depth)), { status: 400, body: { code: 'INVALID_REQUEST', message: TOO_DEEP } }, `${depth} streamed`);
    t.like(await post('/auth/login', nested(depth)), { status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } }, `${depth} with Content-Length`);
  }
  t.is(await serverErrorsCounted(), errorsBefore);
});

test.serial('brackets, braces and escaped quotes inside strings are not nesting: the body is taken', async (t) => {
  const before = await userCount();
  const name = `\\"${'[{'.repeat(45)}\\\\`;
  const res = await post('/auth/signup', `{"email":"brackets@test.local","password":"password-1234","name":"${name}"}`);

  t.is(res.status, 201, JSON.stringify(res.body));
  t.is(await userCount(), before + 1);
  t.is((await database.db('users').where({ email: 'brackets@test.local' }).first('name')).name, `"${'[{'.repeat(45)}\\`);
});

test.serial('a client that disconnects mid-body gets no 503 or 500: nothing logged but its access line, nothing counted as a fault, nothing written', async (t) => {
  const errorsBefore = await serverErrorsCounted();
  const users = await userCount();
  let done: LogLine | undefined;
  const complaints = await complaintsDuring(async () => {
    const finished = answered('aborted-mid-body');
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port(), '127.0.0.1', () => {
        socket.write(
          'POST /auth/signup HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: aborted-mid-body\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"email":"gone@test.local",',
          () => {
            socket.destroy();
            resolve();
          },
        );
      });
      socket.on('error', reject);
    });
    done = await within('the service to finish the aborted request', 10_000, finished);
  });

  // The access line, at info like every request's; no warning or error (complaints).
  t.like(done, { level: 30, status: 400 });
  t.deepEqual(complaints, []);
  t.is(await serverErrorsCounted(), errorsBefore);
  t.is(await userCount(), users);
});

test.serial('PROPFIND, a method no route has, answers 501 NOT_IMPLEMENTED as {code, message}', async (t) => {
  const res = parseResponse(await rawExchange('PROPFIND /schedules/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));

  t.is(res.status, 501);
  t.regex(res.headers, /content-type: application\/json/i);
  t.deepEqual(res.body, { code: 'NOT_IMPLEMENTED', message: 'PROPFIND is not a method this service implements' });
});

test.serial('FOO, a method HTTP does not know, answers 501 NOT_IMPLEMENTED as {code, message}, and a garbled request 400 INVALID_REQUEST', async (t) => {
  const foo = parseResponse(await rawExchange('FOO /schedules/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
  const garbled = parseResponse(await rawExchange('GET /schedules/1 HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n'));

  t.is(foo.status, 501);
  t.deepEqual(foo.body, { code: 'NOT_IMPLEMENTED', message: 'the method is not one this service implements' });
  t.is(garbled.status, 400);
  t.deepEqual(garbled.body, { code: 'INVALID_REQUEST', message: 'the request is not valid HTTP/1.1' });
});

test.serial('a client dripping its body is cut after REQUEST_TIMEOUT_MS with 408 REQUEST_TIMEOUT, and that is no fault of ours', async (t) => {
  const errorsBefore = await serverErrorsCounted();
  const users = await userCount();
  let sent = 0;
  let received = '';
  const complaints = await complaintsDuring(async () => {
    const finished = answered('dripping-body');
    const cut = new Promise<void>((resolve, reject) => {
      const socket = net.connect(port(), '127.0.0.1', () =>
        socket.write('POST /auth/signup HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: dripping-body\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n'),
      );
      // A byte every 50 ms: 1000 bytes would take 50 s, far past the timeout.
      const drip = setInterval(() => {
        if (socket.writable) socket.write(' ', () => (sent += 1));
      }, 50);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(drip);
        resolve();
      });
    });
    await within('the server to cut the dripping client', 15_000, cut);
    await within('the service to finish the cut request', 10_000, finished);
  });

  t.true(sent > 0 && sent < 1000, `${sent} bytes sent`);
  const res = parseResponse(received);
  t.is(res.status, 408);
  t.deepEqual(res.body, { code: 'REQUEST_TIMEOUT', message: `the request did not arrive in full within ${REQUEST_TIMEOUT_MS} ms` });
  t.deepEqual(complaints, []);
  t.is(await serverErrorsCounted(), errorsBefore);
  t.is(await userCount(), users);
});

test.serial('a client dripping its headers is cut too, with 408 REQUEST_TIMEOUT', async (t) => {
  let received = '';
  await within(
    'the server to cut the dripping headers',
    15_000,
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(port(), '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\n'));
      const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 50);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(drip);
        resolve();
      });
    }),
  );

  t.is(parseResponse(received).status, 408);
});
