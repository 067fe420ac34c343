import { Writable } from 'node:stream';
import test from 'ava';
import { pino } from 'pino';
import { prettyLogs } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService } from './helpers/service.js';

let database: TestDatabase;

test.before(async () => {
  database = await createTestDatabase(4);
});

test.after.always(async () => {
  await database?.drop();
});

/** A logger at info whose JSON lines are kept, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

test('one info line per request: method, route template, status, ms, reqId', async (t) => {
  const { log, lines } = capture();
  const service = await startTestService(database.db, { LOG_LEVEL: 'info' }, { log });
  try {
    const [userId] = await makeUsers(database.db, 1);
    const scheduleId = await makeSchedule(database.db);
    await service.request('GET', '/themes', { headers: { 'x-request-id': 'req-themes-1' } });
    await service.request('POST', `/schedules/${scheduleId}/hold`, { token: service.tokenFor(userId!) });
    await service.request('GET', '/no/such/route');
    const access = lines.filter((l) => l.msg === 'request');
    t.is(access.length, 3);
    t.like(access[0], { level: 30, method: 'GET', route: '/themes', status: 200, reqId: 'req-themes-1' });
    t.like(access[1], { method: 'POST', route: '/schedules/:id/hold', status: 200 });
    t.like(access[2], { method: 'GET', route: 'unmatched', status: 404 });
    for (const a of access) {
      t.is(typeof a.ms, 'number');
      t.regex(String(a.reqId), /\S+/);
      t.false('authorization' in a, 'no headers, so no token');
    }
  } finally {
    await service.close();
  }
});

test('ACCESS_LOG=off silences the access line and nothing else', async (t) => {
  const { log, lines } = capture();
  const service = await startTestService(database.db, { LOG_LEVEL: 'info', ACCESS_LOG: 'off' }, { log });
  try {
    await service.request('GET', '/themes');
    log.info('still logging');
    t.deepEqual(
      lines.map((l) => l.msg),
      ['still logging'],
    );
  } finally {
    await service.close();
  }
});

test('LOG_FORMAT: pretty on a terminal or when asked, JSON lines otherwise', (t) => {
  t.true(prettyLogs('auto', true));
  t.false(prettyLogs('auto', false));
  t.true(prettyLogs('pretty', false));
  t.false(prettyLogs('json', true));
});
