import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { addDays, kstDate, kstInstant } from '../src/time/kst.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeTheme } from './helpers/fixtures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let database: TestDatabase;
let themeId: number;
/** D: the Seoul date two days from now, so every schedule on it is still in the future. */
let day: string;
let dayBefore: string;
let ids: { halfPastMidnight: number; lateEvening: number };

test.before(async () => {
  database = await createTestDatabase();
  themeId = await makeTheme(database.db);
  day = addDays(kstDate(new Date()), 2);
  dayBefore = addDays(day, -1);
  ids = {
    halfPastMidnight: await makeSchedule(database.db, { themeId, date: day, startTime: '00:30' }),
    lateEvening: await makeSchedule(database.db, { themeId, date: dayBefore, startTime: '23:30' }),
  };
});

test.after.always(async () => {
  await database?.drop();
});

interface ChildOutput {
  tz: string;
  offsetMinutes: number;
  listings: Record<string, Array<{ id: number; date: string; startTime: string }>>;
}

/** Runs the listing fixture in a child process with the given TZ; one run per TZ, shared by its tests. */
const runs = new Map<string, Promise<ChildOutput>>();
function listIn(tz: string): Promise<ChildOutput> {
  if (!runs.has(tz)) {
    runs.set(
      tz,
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import=tsx', 'test/fixtures/list-schedules.ts'], {
          cwd: ROOT,
          env: { ...process.env, TZ: tz, DATABASE_URL: database.url, THEME_ID: String(themeId), DATES: `${day},${dayBefore}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`fixture exited with ${code}: ${stderr}`))));
      }),
    );
  }
  return runs.get(tz)!;
}

for (const tz of ['UTC', 'America/Los_Angeles']) {
  test(`GET /themes/:id/schedules?date=D: with TZ=${tz} lists the 00:30 Seoul schedule of D`, async (t) => {
    const out = await listIn(tz);

    t.is(out.tz, tz);
    t.deepEqual(
      out.listings[day]!.map((s) => [s.id, s.date, s.startTime]),
      [[ids.halfPastMidnight, day, '00:30']],
    );
  });

  test(`GET /themes/:id/schedules?date=D-1: with TZ=${tz} does not list the 00:30 schedule of D`, async (t) => {
    const out = await listIn(tz);

    t.deepEqual(
      out.listings[dayBefore]!.map((s) => [s.id, s.date, s.startTime]),
      [[ids.lateEvening, dayBefore, '23:30']],
    );
  });
}

test('the child processes really ran in different time zones', async (t) => {
  const [utc, la] = await Promise.all([listIn('UTC'), listIn('America/Los_Angeles')]);

  t.is(utc.offsetMinutes, 0);
  t.true(la.offsetMinutes === 420 || la.offsetMinutes === 480, String(la.offsetMinutes));
});

test('the 00:30 schedule of D is stored as 15:30 UTC on D-1', async (t) => {
  const row = await database.db('schedules').where({ id: ids.halfPastMidnight }).first();

  t.is(row.date, day);
  t.is(row.starts_at.toISOString(), `${dayBefore}T15:30:00.000Z`);
});

const DATES_OF: Array<[string, string]> = [
  ['2026-01-01T15:30:00Z', '2026-01-02'],
  ['2026-01-01T14:59:59.999Z', '2026-01-01'],
  ['2026-01-01T15:00:00Z', '2026-01-02'],
  ['2025-12-31T15:00:00Z', '2026-01-01'],
  ['2024-02-28T15:00:00Z', '2024-02-29'],
  ['2026-03-08T10:00:00Z', '2026-03-08'],
];
for (const [instant, date] of DATES_OF) {
  test(`kstDate: ${instant} is ${date} in Seoul`, (t) => {
    t.is(kstDate(new Date(instant)), date);
  });
}

const INSTANTS_OF: Array<[string, string, string]> = [
  ['2026-01-02', '00:30', '2026-01-01T15:30:00.000Z'],
  ['2026-01-01', '00:00', '2025-12-31T15:00:00.000Z'],
  ['2024-02-29', '23:59:59', '2024-02-29T14:59:59.000Z'],
  // The United States change their clocks on these nights; Seoul does not.
  ['2026-03-08', '02:30', '2026-03-07T17:30:00.000Z'],
  ['2026-11-01', '01:30', '2026-10-31T16:30:00.000Z'],
];
for (const [date, time, instant] of INSTANTS_OF) {
  test(`kstInstant: ${date} ${time} in Seoul is ${instant}`, (t) => {
    t.is(kstInstant(date, time).toISOString(), instant);
  });
}

test('kstDate(kstInstant(d, t)) is d for the first and last minute of a day', (t) => {
  for (const d of ['2026-01-01', '2026-06-30', '2028-02-29']) {
    t.is(kstDate(kstInstant(d, '00:00')), d);
    t.is(kstDate(kstInstant(d, '23:59')), d);
  }
});

test('addDays crosses month, year and leap-day boundaries', (t) => {
  t.is(addDays('2024-02-28', 1), '2024-02-29');
  t.is(addDays('2026-12-31', 1), '2027-01-01');
  t.is(addDays('2026-03-01', -1), '2026-02-28');
});
