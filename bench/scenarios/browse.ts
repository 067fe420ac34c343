/**
 * browse: GET /themes/:id/schedules?date= (Seoul dates, 4 themes x 14 days x 12 slots), GET /themes and
 * GET /schedules/:id, mixed 60/10/30, against the bare-Koa ceiling answering the same paths.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, kstDate } from '../../src/time/kst.js';
import type { Ctx } from '../lib/lt/context.js';
import { chartsOf, check, errorCount, ratio, row, target, type ScenarioReport } from '../lib/lt/report.js';
import { scrape, sum, type Scrape } from '../lib/lt/metrics.js';
import { ms } from '../lib/lt/progress.js';
import { measure, measureOn, medianBy, type Measured } from '../lib/lt/runs.js';
import { runLt } from '../lib/lt/run-wrk.js';

const ROUTES = ['/themes/:id/schedules', '/themes', '/schedules/:id'];

/** Server-side mean latency per route between two scrapes of /metrics. */
function perRoute(a: Scrape, b: Scrape): string {
  return ROUTES.map((r) => {
    const d = (name: string) => sum(b, name, `route="${r}"`) - sum(a, name, `route="${r}"`);
    const n = d('http_request_duration_seconds_count');
    return `${r} ${n ? ms((d('http_request_duration_seconds_sum') / n) * 1000) : '-'} ms x ${n}`;
  }).join(', ');
}

const THEMES = 4;
const DAYS = 14;
const SLOTS = 12; // 10:00 .. 21:00

async function makeCatalogue(ctx: Ctx): Promise<{ themeIds: number[]; scheduleIds: number[]; today: string }> {
  const db = ctx.bench.db;
  const tag = randomBytes(3).toString('hex');
  const [store] = await db('stores')
    .insert({ name: `Browse store ${tag}`, address: 'Seoul' })
    .returning('id');
  const themes: { id: number }[] = await db('themes')
    .insert(Array.from({ length: THEMES }, (_, i) => ({ store_id: store.id, name: `Browse theme ${i + 1}`, price: 25000, duration_minutes: 60, min_players: 2, max_players: 6, difficulty: 3 })))
    .returning('id');
  const today = kstDate(new Date());
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `INSERT INTO schedules (theme_id, date, start_time, starts_at)
     SELECT t, ?::date + d, make_time(h, 0, 0), (?::date + d + make_time(h, 0, 0)) AT TIME ZONE 'Asia/Seoul'
       FROM unnest(?::bigint[]) t, generate_series(0, ? - 1) d, generate_series(10, 9 + ?) h
     RETURNING id`,
    [today, today, themes.map((t) => t.id), DAYS, SLOTS],
  );
  await db.raw('ANALYZE schedules');
  return { themeIds: themes.map((t) => Number(t.id)), scheduleIds: rows.map((r) => Number(r.id)), today };
}

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  const { themeIds, scheduleIds, today } = await makeCatalogue(ctx);
  let seed = 12345;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const paths: string[] = [];
  for (const t of themeIds) for (let d = 0; d < DAYS; d += 1) for (let k = 0; k < 3; k += 1) paths.push(`/themes/${t}/schedules?date=${addDays(today, d)}`);
  for (let k = 0; k < 28; k += 1) paths.push('/themes');
  for (let k = 0; k < 84; k += 1) paths.push(`/schedules/${scheduleIds[rand(scheduleIds.length)]}`);
  for (let i = paths.length - 1; i > 0; i -= 1) {
    const j = rand(i + 1);
    [paths[i], paths[j]] = [paths[j]!, paths[i]!];
  }
  const file = join(ctx.tmp, 'browse-paths.txt');
  writeFileSync(file, paths.join('\n') + '\n');
  const o = ctx.opt;
  const spec = { threads: o.threads, connections: o.connections ?? 1000, durationS: o.durationS ?? 10, timeoutS: o.timeoutS ?? 5, mode: 'paths' as const, file };

  const tomorrow = addDays(today, 1);
  // Rounds interleave the two servers, so a slow stretch of the shared machine falls on both.
  const bares: Measured[] = [];
  const services: { m: Measured; note: string; routes: string }[] = [];
  for (let round = 0; round < o.rounds; round += 1) {
    bares.push(await measureOn(ctx, 'browse bare-koa', () => ctx.startServer('bare-koa'), spec));
    const server = await ctx.startServer('service');
    try {
      const res = await fetch(`${server.url}/themes/${themeIds[0]}/schedules?date=${tomorrow}`);
      const body = (await res.json()) as unknown[];
      const note = `${res.status === 200 && body.length === SLOTS ? 'OK' : 'FAIL'} ${Array.isArray(body) ? body.length : '?'} slots on ${tomorrow} (expected ${SLOTS})`;
      if (o.warmupS > 0) await runLt({ ...spec, url: server.url, durationS: o.warmupS, label: 'browse service (warm-up)' });
      const m0 = await scrape(server.url);
      const m = await measure(ctx, 'browse service', server, spec, false);
      services.push({ m, note, routes: perRoute(m0, await scrape(server.url)) });
    } finally {
      await server.stop();
    }
  }
  const bare = medianBy(bares, (m) => m.r.rps);
  const { m: svc, routes } = medianBy(services, (s) => s.m.r.rps);
  const failed = services.find((s) => !s.note.startsWith('OK'));
  const note = (failed ?? services[0]!).note;
  const errors = services.reduce((n, s) => n + errorCount(s.m.r), 0);
  const median = o.rounds > 1 ? ` [median of ${o.rounds}]` : '';
  const rows = [
    row('browse', `bare-Koa ceiling${median}`, bare.r, { cpu: bare.cpu, vsBare: 1 }),
    row('browse', `${o.target ? `service ${o.target.origin}` : 'service'}${median}`, svc.r, { cpu: svc.cpu, vsBare: ratio(svc.r.rps, bare.r.rps), check: note }),
  ];
  return {
    scenario: 'browse',
    rows,
    targets: [
      target('browse', 'service req/s vs bare-Koa', ratio(svc.r.rps, bare.r.rps), '>=', 0.6),
      check('browse', 'every answer 200, day listing complete', errors === 0 && !failed, `${errors} errors in ${services.length} runs (wrk timeouts in the median run ${svc.r.errors.timeout})`),
    ],
    notes: [
      `${spec.connections} connections, ${spec.durationS} s; ${paths.length} paths in rotation: 60 % day listings (${THEMES} themes x ${DAYS} Seoul days from ${today}), 10 % /themes, 30 % /schedules/:id`,
      `service time per route (mean, server side, from /metrics): ${routes}`,
      ...(o.rounds > 1
        ? [
            `${o.rounds} interleaved rounds, req/s per round: bare-koa ${bares.map((m) => Math.round(m.r.rps).toLocaleString('en-US')).join(' / ')}; service ${services.map((s) => Math.round(s.m.r.rps).toLocaleString('en-US')).join(' / ')}`,
          ]
        : []),
      'lock baseline: n/a (reads take no lock)',
    ],
    charts: chartsOf('browse', [
      { name: 'bare-Koa ceiling', samples: bare.r.samples },
      { name: 'service', samples: svc.r.samples },
    ]),
    raw: { spec, bare, service: svc, routes },
  };
}
