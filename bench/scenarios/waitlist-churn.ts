/**
 * waitlist-churn: 1,000 waiters on 50 booked schedules (20 each). Each schedule's booking is
 * canceled, then its offers churn: every other offered waiter gives the slot back at once (DELETE
 * /schedules/:id/hold), the others let their offer lapse (WAITLIST_OFFER_TTL_MS 1 s), until the
 * list is exhausted; the 50 schedules churn at once. The load comes from this process (fetch), not wrk.
 *
 * Reports offers/s and the delay from free-up to offer: for a cancel or a release, the offer's
 * time (the freeing statement's) minus the moment the request was sent; for a lapse, the offer's
 * time minus the previous offer's end (the actor's deadline timer, or the clock). Checks afterwards,
 * from the rows: no schedule was ever offered to two users at once, every waiter was offered in join
 * order (none skipped: the caps are lifted), one OFFERED event per offer, every schedule AVAILABLE at the end.
 */
import { readFileSync } from 'node:fs';
import type { Ctx } from '../lib/lt/context.js';
import { makeScheduleBlock } from '../lib/db.js';
import { fmt, log } from '../lib/lt/progress.js';
import { check, target, type Row, type ScenarioReport } from '../lib/lt/report.js';

const SCHEDULES = 50;
const WAITERS_PER_SCHEDULE = 20;
const OFFER_TTL_MS = 1_000;

const quantile = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Entry {
  id: number;
  schedule_id: number;
  user_id: number;
  status: string;
  offered_at: Date | null;
  offer_expires_at: Date | null;
  updated_at: Date;
}

export async function run(ctx: Ctx): Promise<ScenarioReport> {
  const db = ctx.bench.db;
  const tokens = readFileSync(ctx.ownTokens, 'utf8').trim().split('\n');
  const need = SCHEDULES * (1 + WAITERS_PER_SCHEDULE);
  if (ctx.opt.target) throw new Error('waitlist-churn starts its own service (it sets WAITLIST_OFFER_TTL_MS); it does not take --target');
  if (tokens.length < need) throw new Error(`waitlist-churn needs ${need} users (--users), has ${tokens.length}`);
  const tokenOf = new Map(ctx.userIds.map((id, i) => [id, tokens[i]!]));
  const { firstId } = await makeScheduleBlock(db, SCHEDULES);
  const scheduleIds = Array.from({ length: SCHEDULES }, (_, i) => firstId + i);
  const server = await ctx.startServer('service', { WAITLIST_OFFER_TTL_MS: String(OFFER_TTL_MS), WAITLIST_MAX_PER_USER: '1000000' });
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const expect = (what: string, got: { status: number; body?: unknown }, status: number) => {
    if (got.status !== status) throw new Error(`${what}: ${got.status} ${JSON.stringify(got.body)}`);
  };

  try {
    // Book each schedule (hold + reserve), then fill its list in join order.
    const reservations = await Promise.all(
      scheduleIds.map(async (scheduleId, i) => {
        const token = tokens[i]!;
        expect('hold', await call('POST', `/schedules/${scheduleId}/hold`, token), 200);
        const r = await call('POST', '/reservations', token, { scheduleId, participants: 2 });
        expect('reserve', r, 201);
        for (let w = 0; w < WAITERS_PER_SCHEDULE; w += 1) expect('join', await call('POST', `/schedules/${scheduleId}/waitlist`, tokens[SCHEDULES + i * WAITERS_PER_SCHEDULE + w]!), 201);
        return { token, id: r.body!.id as number };
      }),
    );
    log(`waitlist-churn: ${SCHEDULES} schedules booked, ${SCHEDULES * WAITERS_PER_SCHEDULE} waiters joined; churning`);

    /** Client-side send times of the requests that freed a slot, by the entry id offered next (null for the cancel). */
    const sentAt = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      scheduleIds.map(async (scheduleId, i) => {
        sentAt.set(`${scheduleId}:0`, Date.now());
        expect('cancel', await call('POST', `/reservations/${reservations[i]!.id}/cancel`, reservations[i]!.token, { reason: 'churn' }), 200);
        for (let n = 0; ; n += 1) {
          const row = await db('schedules').where({ id: scheduleId }).first('status', 'held_by', 'hold_expires_at');
          if (row.status === 'AVAILABLE') return;
          const holder = row.held_by as number;
          if (n % 2 === 0) {
            const key = `${scheduleId}:${n + 1}`;
            sentAt.set(key, Date.now());
            const released = await call('DELETE', `/schedules/${scheduleId}/hold`, tokenOf.get(holder)!);
            if (released.status === 204) continue;
            // On a busy box the offer may lapse before its holder gives it back: then it counts as a lapse.
            expect('release', released, 409);
            sentAt.delete(key);
          }
          // Let the offer lapse; wait until the slot has moved on.
          await sleep(Math.max(0, new Date(row.hold_expires_at as Date).getTime() - Date.now()));
          for (;;) {
            const now = await db('schedules').where({ id: scheduleId }).first('status', 'held_by');
            if (now.status !== 'HOLD' || now.held_by !== holder) break;
            await sleep(20);
          }
        }
      }),
    );
    const churnS = (Date.now() - started) / 1000;

    const entries: Entry[] = await db('waitlist_entries').whereIn('schedule_id', scheduleIds).orderBy('id');
    const events = Number((await db('booking_events').whereIn('schedule_id', scheduleIds).where({ type: 'OFFERED' }).count({ n: '*' }))[0]!.n);
    const finals = await db('schedules').whereIn('id', scheduleIds).select('status');
    const released: number[] = [];
    const lapsed: number[] = [];
    let overlaps = 0;
    let outOfOrder = 0;
    let notOffered = 0;
    for (const scheduleId of scheduleIds) {
      const list = entries.filter((e) => e.schedule_id === scheduleId);
      notOffered += list.filter((e) => !e.offered_at).length;
      const offered = list.filter((e) => e.offered_at).sort((a, b) => a.offered_at!.getTime() - b.offered_at!.getTime() || a.id - b.id);
      offered.forEach((e, n) => {
        if (e.id !== list[n]?.id) outOfOrder += 1;
        const prev = offered[n - 1];
        // The previous offer ends in the statement that makes this one (its updated_at is that statement's time).
        if (prev && (prev.status === 'OFFERED' || prev.updated_at.getTime() > e.offered_at!.getTime())) overlaps += 1;
        const sent = sentAt.get(`${scheduleId}:${n}`);
        if (sent !== undefined) released.push(e.offered_at!.getTime() - sent);
        else if (prev) lapsed.push(e.offered_at!.getTime() - prev.offer_expires_at!.getTime());
      });
    }
    const offers = entries.filter((e) => e.offered_at).length;
    const all = [...released, ...lapsed];
    const p = (xs: number[], q: number) => quantile(xs, q);
    log(`waitlist-churn: ${offers} offers in ${churnS.toFixed(1)} s (${fmt(offers / churnS, 1)}/s); delay p50 ${fmt(p(all, 0.5), 1)} ms, p99 ${fmt(p(all, 0.99), 1)} ms`);
    const delayRow = (run: string, xs: number[], note: string): Row => ({
      scenario: 'waitlist-churn',
      run,
      rate: xs.length / churnS,
      unit: 'offers/s',
      p50: p(xs, 0.5),
      p99: p(xs, 0.99),
      p99raw: null,
      errors: '0',
      vsBare: null,
      vsLock: null,
      vsFlash: null,
      cpu: null,
      check: note,
    });
    return {
      scenario: 'waitlist-churn',
      rows: [
        { ...delayRow('all offers', all, `${offers} offers in ${churnS.toFixed(1)} s`), p50: null, p99: null },
        delayRow('after a lapsed offer: offer end → next offer', lapsed, `${lapsed.length} offers`),
        delayRow('after a cancel or release: request sent → offer', released, `${released.length} offers; free-up to offer 0 ms (one statement)`),
      ],
      targets: [
        // After a cancel or a release the offer is in the freeing statement itself; a lapse is where a delay can be.
        target('waitlist-churn', 'offer delay p99 (lapsed offer → next offer)', p(lapsed, 0.99), '<=', 50, ' ms'),
        check('waitlist-churn', 'never offered to two users at once', overlaps === 0, `${overlaps} overlapping offers`),
        check('waitlist-churn', 'no waiter skipped (offered in join order, all offered)', outOfOrder === 0 && notOffered === 0, `${outOfOrder} out of order, ${notOffered} never offered`),
        check('waitlist-churn', 'one OFFERED event per offer', events === offers, `${events} events, ${offers} offers`),
        check(
          'waitlist-churn',
          'every list exhausted, every schedule AVAILABLE',
          finals.every((f) => f.status === 'AVAILABLE'),
          `${finals.filter((f) => f.status === 'AVAILABLE').length} of ${SCHEDULES} AVAILABLE`,
        ),
      ],
      notes: [
        `${SCHEDULES} schedules × ${WAITERS_PER_SCHEDULE} waiters; WAITLIST_OFFER_TTL_MS ${OFFER_TTL_MS}; every other offer released at once, the rest left to lapse (the actor's deadline timer, 25 ms slack)`,
        'a cancel or release frees the slot and makes the offer in one statement: its delay is 0 by construction; the row "request sent → offer" is the HTTP request up to that statement',
      ],
      charts: [],
      raw: {
        offers,
        churnS,
        events,
        overlaps,
        outOfOrder,
        notOffered,
        released: { n: released.length, p50: p(released, 0.5), p99: p(released, 0.99) },
        lapsed: { n: lapsed.length, p50: p(lapsed, 0.5), p99: p(lapsed, 0.99) },
      },
    };
  } finally {
    await server.stop();
  }
}
