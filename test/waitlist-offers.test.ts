import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { addDays, kstDate } from '../src/time/kst.js';
import { bookPending, checkout, eventually } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

/**
 * Offers on one instance: every way a slot frees hands it to the first eligible waiter, in the
 * statement that frees it, and the offer completes through the ordinary reserve-and-pay path.
 */
let database: TestDatabase;
let mock: TossMock;
let service: TestService;
/** Offers that lapse within a test: 1.5 s. */
let quick: TestService;

test.before(async () => {
  database = await createTestDatabase(20);
  mock = await startTossMock();
  service = await startTestService(database.db, {}, { tossUrl: mock.url });
  quick = await startTestService(database.db, { WAITLIST_OFFER_TTL_MS: '1500' });
});

test.after.always(async () => {
  await quick?.close();
  await service?.close();
  await mock?.close();
  await database?.drop();
});

const schedule = (id: number) => database.db('schedules').where({ id }).first();
const entriesOf = (scheduleId: number) => database.db('waitlist_entries').where({ schedule_id: scheduleId }).orderBy('id');

async function waiters(s: TestService, scheduleId: number, count: number): Promise<{ userId: number; token: string }[]> {
  const ids = await makeUsers(database.db, count);
  const out: { userId: number; token: string }[] = [];
  for (const userId of ids) {
    const token = s.tokenFor(userId);
    const joined = await s.request('POST', `/schedules/${scheduleId}/waitlist`, { token });
    if (joined.status !== 201) throw new Error(`join failed: ${joined.status} ${JSON.stringify(joined.body)}`);
    out.push({ userId, token });
  }
  return out;
}

test('a released hold goes to the first waiter: HOLD for them until the offer ends, OFFERED in their list, event and outbox row', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder] = (await makeUsers(database.db, 1)) as [number];
  const holderToken = service.tokenFor(holder);
  t.is((await service.request('POST', `/schedules/${scheduleId}/hold`, { token: holderToken })).status, 200);
  const [first, second] = await waiters(service, scheduleId, 2);

  const before = Date.now();
  t.is((await service.request('DELETE', `/schedules/${scheduleId}/hold`, { token: holderToken })).status, 204);

  const row = await schedule(scheduleId);
  t.is(row.status, 'HOLD');
  t.is(row.held_by, first!.userId);
  const offerEnds = new Date(row.hold_expires_at).getTime();
  t.true(offerEnds >= before + 600_000 - 5_000 && offerEnds <= Date.now() + 600_000 + 5_000, 'the offer lasts WAITLIST_OFFER_TTL_MS');
  // The actor published the row its statement returned: the schedule is the waiter's, to everyone.
  const view = await service.request('GET', `/schedules/${scheduleId}`);
  t.is(view.body.status, 'HOLD');
  t.is((await service.request('POST', `/schedules/${scheduleId}/hold`, { token: holderToken })).status, 409);
  t.is((await service.request('POST', `/schedules/${scheduleId}/hold`, { token: second!.token })).status, 409);
  // Holding it again is the offer itself, as with any hold of one's own.
  const own = await service.request('POST', `/schedules/${scheduleId}/hold`, { token: first!.token });
  t.is(own.status, 200);
  t.is(new Date(own.body.holdExpiresAt).getTime(), offerEnds);

  const mine = await service.request('GET', '/waitlist/mine', { token: first!.token });
  t.is(mine.body.length, 1);
  t.like(mine.body[0], { scheduleId, status: 'OFFERED', position: null });
  t.is(new Date(mine.body[0].offerExpiresAt).getTime(), offerEnds);
  t.like((await service.request('GET', '/waitlist/mine', { token: second!.token })).body[0], { status: 'WAITING', position: 1 });

  // In time order, as the timeline shows them (the offer's row is written first, by the same statement).
  const events = await database
    .db('booking_events')
    .where({ schedule_id: scheduleId })
    .orderBy([{ column: 'at' }, { column: 'id' }]);
  t.deepEqual(
    events.map((e) => [e.type, e.user_id]),
    [
      ['HELD', holder],
      ['RELEASED', holder],
      ['OFFERED', first!.userId],
    ],
  );
  const notes = await database.db('notifications').where({ user_id: first!.userId });
  t.is(notes.length, 1);
  t.like(notes[0].payload, { scheduleId, userId: first!.userId });
  t.is(notes[0].kind, 'WaitlistOffered');
});

test('the offered waiter reserves and pays: CONFIRMED, the entry ACCEPTED, the list stays; a later cancel moves it on', async (t) => {
  const scheduleId = await makeSchedule(database.db, { date: addDays(kstDate(new Date()), 3) });
  const booked = await bookPending(database.db, service, { scheduleId });
  const [first, second] = await waiters(service, scheduleId, 2);

  // An unpaid reservation given up frees the slot.
  t.is((await service.request('POST', `/reservations/${booked.reservationId}/cancel`, { token: booked.token, body: { reason: 'plans changed' } })).status, 200);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: first!.userId });

  const created = await service.request('POST', '/reservations', { token: first!.token, body: { scheduleId, participants: 2 } });
  t.is(created.status, 201);
  t.is((await service.request('GET', '/waitlist/mine', { token: first!.token })).body[0].status, 'ACCEPTED');
  const paid = await service.request('POST', '/orders', {
    token: first!.token,
    body: { reservationId: created.body.id, paymentKey: await checkout(service, created.body), orderId: created.body.orderId, amount: created.body.amount },
  });
  t.is(paid.status, 200);
  t.is(paid.body.status, 'CONFIRMED');
  t.like(await schedule(scheduleId), { status: 'RESERVED' });
  t.like((await entriesOf(scheduleId))[1], { user_id: second!.userId, status: 'WAITING' });

  const timeline = await database.db('booking_events').where({ schedule_id: scheduleId, user_id: first!.userId }).orderBy('id');
  t.deepEqual(
    timeline.map((e) => e.type),
    ['OFFERED', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED'],
  );
  const shown = await service.request('GET', `/reservations/${created.body.id}/timeline`, { token: first!.token });
  t.deepEqual(
    shown.body.map((e: { type: string }) => e.type),
    ['OFFERED', 'RESERVED', 'PAYMENT_STARTED', 'PAYMENT_APPROVED'],
  );

  // A paid reservation canceled (and refunded) frees the slot again: the next waiter's turn.
  const canceled = await service.request('POST', `/reservations/${created.body.id}/cancel`, { token: first!.token, body: { reason: 'ill' } });
  t.is(canceled.status, 200);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: second!.userId });
  t.like((await service.request('GET', '/waitlist/mine', { token: second!.token })).body[0], { status: 'OFFERED' });
});

/** Makes a hold lapse now, behind the actor's back, and has the actor read it (as after a pause). */
async function lapse(scheduleId: number): Promise<void> {
  await database
    .db('schedules')
    .where({ id: scheduleId })
    .update({ hold_expires_at: new Date(Date.now() - 1000), version: database.db.raw('version + 1') });
  await quick.actors.schedules.refresh(scheduleId);
}

test('a hold that lapses goes to the first waiter (the actor’s own deadline)', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder] = (await makeUsers(database.db, 1)) as [number];
  t.is((await quick.request('POST', `/schedules/${scheduleId}/hold`, { token: quick.tokenFor(holder) })).status, 200);
  const [first] = await waiters(quick, scheduleId, 1);
  // The holder's hold lasts 5 min; make it lapse now and let the actor notice, as its timer would.
  await lapse(scheduleId);
  const expired = await quick.actors.schedules.ask(scheduleId, { type: 'Expire' });
  t.like(expired, { ok: true, expired: 'HOLD' });
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: first!.userId });
  t.like((await entriesOf(scheduleId))[0], { status: 'OFFERED' });
});

test('a hold taken over a lapsed hold goes to the waiter instead; the taker is refused and no HELD event names them', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder, taker] = (await makeUsers(database.db, 2)) as [number, number];
  t.is((await quick.request('POST', `/schedules/${scheduleId}/hold`, { token: quick.tokenFor(holder) })).status, 200);
  const [first] = await waiters(quick, scheduleId, 1);
  // Lapsed but not yet expired by anyone: the next grant's statement frees it, and its trigger offers it.
  await lapse(scheduleId);
  const taken = await quick.request('POST', `/schedules/${scheduleId}/hold`, { token: quick.tokenFor(taker) });
  t.is(taken.status, 409);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: first!.userId });
  const events = await database.db('booking_events').where({ schedule_id: scheduleId }).orderBy('id');
  t.deepEqual(
    events.filter((e) => Number(e.user_id) === taker),
    [],
  );
  t.true(events.some((e) => e.type === 'OFFERED' && Number(e.user_id) === first!.userId));
});

test('an offer not taken passes to the next waiter; when the list is exhausted the slot is AVAILABLE', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder] = (await makeUsers(database.db, 1)) as [number];
  const token = quick.tokenFor(holder);
  t.is((await quick.request('POST', `/schedules/${scheduleId}/hold`, { token })).status, 200);
  const [first, second] = await waiters(quick, scheduleId, 2);
  t.is((await quick.request('DELETE', `/schedules/${scheduleId}/hold`, { token })).status, 204);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: first!.userId });

  // No one touches it: the actor's deadline timer lapses the offer (1.5 s) and passes it on.
  await eventually(async () => (await schedule(scheduleId)).held_by === second!.userId, 10_000);
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['EXPIRED', 'OFFERED'],
  );
  t.like((await quick.request('GET', '/waitlist/mine', { token: first!.token })).body[0], { status: 'EXPIRED' });

  await eventually(async () => (await schedule(scheduleId)).status === 'AVAILABLE', 10_000);
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['EXPIRED', 'EXPIRED'],
  );
  t.is((await quick.request('GET', `/schedules/${scheduleId}`)).body.status, 'AVAILABLE');
  // Available again: anyone may hold it.
  t.is((await quick.request('POST', `/schedules/${scheduleId}/hold`, { token })).status, 200);
});

test('leaving while offered declines the offer: the next waiter gets it at once', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder] = (await makeUsers(database.db, 1)) as [number];
  const token = service.tokenFor(holder);
  t.is((await service.request('POST', `/schedules/${scheduleId}/hold`, { token })).status, 200);
  const [first, second] = await waiters(service, scheduleId, 2);
  t.is((await service.request('DELETE', `/schedules/${scheduleId}/hold`, { token })).status, 204);
  t.like(await schedule(scheduleId), { held_by: first!.userId });

  t.is((await service.request('DELETE', `/schedules/${scheduleId}/waitlist`, { token: first!.token })).status, 204);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: second!.userId });
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['LEFT', 'OFFERED'],
  );
  t.is((await service.request('POST', '/reservations', { token: first!.token, body: { scheduleId, participants: 2 } })).status, 409);
});

test('a waiter at the hold cap is skipped, keeps their place, and the next waiter gets the offer', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [holder] = (await makeUsers(database.db, 1)) as [number];
  const token = service.tokenFor(holder);
  t.is((await service.request('POST', `/schedules/${scheduleId}/hold`, { token })).status, 200);
  const [busy, next] = await waiters(service, scheduleId, 2);
  // The first waiter holds as many other slots as MAX_ACTIVE_HOLDS_PER_USER (2) allows.
  for (let i = 0; i < 2; i += 1) t.is((await service.request('POST', `/schedules/${await makeSchedule(database.db)}/hold`, { token: busy!.token })).status, 200);

  t.is((await service.request('DELETE', `/schedules/${scheduleId}/hold`, { token })).status, 204);
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: next!.userId });
  t.deepEqual(
    (await entriesOf(scheduleId)).map((e) => e.status),
    ['WAITING', 'OFFERED'],
  );
  t.like((await service.request('GET', '/waitlist/mine', { token: busy!.token })).body[0], { status: 'WAITING', position: 1 });
});

test('an unpaid reservation that lapses frees the slot to the first waiter', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const booked = await bookPending(database.db, service, { scheduleId });
  const [first] = await waiters(service, scheduleId, 1);
  await database
    .db('reservations')
    .where({ id: booked.reservationId })
    .update({ expires_at: new Date(Date.now() - 1000) });
  await service.actors.schedules.refresh(scheduleId);
  t.like(await service.actors.schedules.ask(scheduleId, { type: 'Expire' }), { ok: true, expired: 'RESERVATION' });
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: first!.userId });
});

test('unblocking a blocked slot offers it to the first waiter', async (t) => {
  const scheduleId = await makeSchedule(database.db);
  const [admin] = (await makeUsers(database.db, 1, 'ADMIN')) as [number];
  const adminToken = service.tokenFor(admin, 'ADMIN');
  t.is((await service.request('POST', `/admin/schedules/${scheduleId}/block`, { token: adminToken })).status, 200);
  const [first] = await waiters(service, scheduleId, 1);
  const unblocked = await service.request('POST', `/admin/schedules/${scheduleId}/unblock`, { token: adminToken });
  t.is(unblocked.status, 200);
  t.is(unblocked.body.status, 'HOLD');
  t.like(await schedule(scheduleId), { status: 'HOLD', held_by: first!.userId });
});
