import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ACCOUNTS, seedDemoData } from '../src/db/seed.js';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';
import { launchBrowser } from './helpers/browser.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeUsers, TEST_PASSWORD } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

// The web app in Debian's chromium, on real PostgreSQL with the demo data, paying through the
// Toss mock's checkout page. Each test books a different theme, so they can run together.
let database: TestDatabase;
let mock: TossMock;
let service: TestService;
let browser: Browser;
let themes: { id: number; name: string }[];

test.before(async () => {
  database = await createTestDatabase(6);
  await seedDemoData(database.db);
  mock = await startTossMock({ secretKey: 'test_sk_mock' });
  service = await startTestService(database.db, {}, { tossUrl: mock.url });
  browser = await launchBrowser();
  themes = await database.db('themes').select('id', 'name').orderBy('id');
});

test.after.always(async () => {
  await browser?.close();
  await service?.close();
  await mock?.close();
  await database?.drop();
});

const tomorrowSeoul = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date(Date.now() + 86_400_000));

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  return context.newPage();
}

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${service.url}/`);
  await page.getByRole('button', { name: 'Log in / Sign up' }).click();
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Opens the theme's day and returns the first AVAILABLE slot's id. */
async function openDay(page: Page, themeId: number, date = tomorrowSeoul()): Promise<string> {
  await page.locator(`[data-testid="theme-card"][data-theme-id="${themeId}"]`).click();
  await page.getByTestId('date-input').fill(date);
  const slot = page.locator('[data-testid="slot"][data-status="AVAILABLE"]').first();
  await slot.waitFor();
  return (await slot.getAttribute('data-schedule-id'))!;
}

const slotOf = (page: Page, id: string) => page.locator(`[data-testid="slot"][data-schedule-id="${id}"]`);

async function holdAndReserve(page: Page, id: string, players = 2): Promise<void> {
  await slotOf(page, id).click();
  await page.getByTestId('hold-countdown').waitFor();
  await page.getByTestId('participants-input').fill(String(players));
  await page.getByTestId('reserve-button').click();
  await page.getByTestId('pay-button').waitFor();
}

async function checkout(page: Page, card?: string): Promise<void> {
  await page.getByTestId('pay-button').first().click();
  await page.waitForURL(`${mock.url}/checkout?**`);
  if (card) await page.getByTestId('checkout-card').fill(card);
  await page.getByTestId('checkout-approve').click();
  await page.waitForURL(`${service.url}/checkout/**`);
}

test('the demo user books, pays through the mock checkout, sees it CONFIRMED, and cancels with the refund shown', async (t) => {
  const page = await newPage();
  await logIn(page, DEMO_ACCOUNTS.user.email, DEMO_ACCOUNTS.user.password);
  const id = await openDay(page, themes[0]!.id);
  await slotOf(page, id).click();
  const countdown = await page.getByTestId('hold-countdown').textContent();
  t.regex(countdown ?? '', /^\d+:\d\d$/, 'the hold shows its time left');
  t.is(await slotOf(page, id).getAttribute('data-status'), 'HOLD', 'the page’s own stream shows the hold');
  await page.getByTestId('participants-input').fill('3');
  await page.getByTestId('reserve-button').click();
  await t.notThrowsAsync(page.getByTestId('reservation-status').filter({ hasText: 'PENDING' }).waitFor());

  await checkout(page);
  await page.getByTestId('reservation-status').filter({ hasText: 'CONFIRMED' }).waitFor();
  const row = await database
    .db('reservations')
    .join('schedules', 'schedules.id', 'reservations.schedule_id')
    .where('schedules.id', Number(id))
    .first('reservations.status', 'reservations.participants', 'reservations.amount');
  t.like(row, { status: 'CONFIRMED', participants: 3 });
  t.is(
    mock.confirmCount(
      (
        await database
          .db('reservations')
          .where({ schedule_id: Number(id) })
          .first('order_id')
      ).order_id,
    ),
    1,
  );

  await page.getByRole('navigation').getByRole('button', { name: 'My reservations' }).click();
  const mine = page.getByTestId('my-reservations');
  await mine.getByTestId('reservation-status').filter({ hasText: 'CONFIRMED' }).waitFor();
  await mine.getByTestId('cancel-button').first().click();
  const refund = await page.getByTestId('refund').textContent();
  t.regex(refund ?? '', /refund ₩[\d,]+ \((DONE|PENDING)\)/);
  await mine.getByTestId('reservation-status').filter({ hasText: 'CANCELED' }).waitFor();
  t.is(
    (
      await database
        .db('reservations')
        .where({ schedule_id: Number(id) })
        .first('status')
    ).status,
    'CANCELED',
  );
});

test('a second browser sees a slot turn HOLD within a second, without a reload', async (t) => {
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const email = (await database.db('users').where({ id: userId }).first('email')).email as string;
  const holder = await newPage();
  const watcher = await newPage();
  await logIn(holder, email, TEST_PASSWORD);
  await watcher.goto(`${service.url}/`);
  const id = await openDay(watcher, themes[1]!.id);
  await openDay(holder, themes[1]!.id);
  let reloaded = false;
  watcher.on('framenavigated', () => (reloaded = true));

  await slotOf(holder, id).click();
  await holder.getByTestId('hold-countdown').waitFor();
  await t.notThrowsAsync(watcher.locator(`[data-testid="slot"][data-schedule-id="${id}"][data-status="HOLD"]`).waitFor({ timeout: 1_000 }));
  t.false(reloaded);

  // Clicking it now tells the watcher why not.
  await watcher.getByRole('button', { name: 'Log in / Sign up' }).waitFor();
  await holder.getByRole('button', { name: 'Release' }).click();
  await t.notThrowsAsync(watcher.locator(`[data-testid="slot"][data-schedule-id="${id}"][data-status="AVAILABLE"]`).waitFor({ timeout: 1_000 }));
});

test('error codes reach the page: a wrong password, a slot someone else holds, a declined card with the attempts left, then a success', async (t) => {
  const [mineId, otherId] = (await makeUsers(database.db, 2)) as [number, number];
  const email = (await database.db('users').where({ id: mineId }).first('email')).email as string;
  const page = await newPage();

  await page.goto(`${service.url}/`);
  await page.getByRole('button', { name: 'Log in / Sign up' }).click();
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  t.is(await page.getByTestId('error-message').textContent(), 'The email or password is wrong.');
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();

  const taken = await openDay(page, themes[2]!.id);
  const free = (await page.locator('[data-testid="slot"][data-status="AVAILABLE"]').nth(1).getAttribute('data-schedule-id'))!;
  // Someone else takes one: the stream shows it held, and clicking it says why it cannot be had.
  t.is((await service.request('POST', `/schedules/${taken}/hold`, { token: service.tokenFor(otherId) })).status, 200);
  await page.locator(`[data-testid="slot"][data-schedule-id="${taken}"][data-status="HOLD"]`).waitFor();
  await slotOf(page, taken).click();
  t.regex((await page.getByTestId('error-message').textContent()) ?? '', /Someone else is holding or has booked this time slot/);

  await holdAndReserve(page, free);
  await checkout(page, '4000 0000 0000 0002');
  const declined = (await page.getByTestId('error-message').textContent()) ?? '';
  t.regex(declined, /declined/i);
  t.regex(declined, /2 attempts left before you have to pay on site/);
  await page.getByTestId('pay-button').waitFor();
  await checkout(page);
  await t.notThrowsAsync(page.getByTestId('reservation-status').filter({ hasText: 'CONFIRMED' }).waitFor());
});

test('an expired hold is shown as such and cannot be reserved', async (t) => {
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const email = (await database.db('users').where({ id: userId }).first('email')).email as string;
  const page = await newPage();
  await page.clock.install();
  await logIn(page, email, TEST_PASSWORD);
  const id = await openDay(page, themes[3]!.id);
  await slotOf(page, id).click();
  await page.getByTestId('hold-countdown').waitFor();
  await page.clock.fastForward(service.config.holdTtlMs + 1_000);
  await page.locator('[data-testid="hold-countdown"][data-expired="true"]').waitFor();
  t.regex((await page.getByTestId('hold-countdown').textContent()) ?? '', /expired/);
  t.true(await page.getByTestId('reserve-button').isDisabled());
});

test('an admin blocks a slot and the customer’s page shows it closed; keyboard alone books', async (t) => {
  const admin = await newPage();
  const customer = await newPage();
  await logIn(admin, DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password);
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const email = (await database.db('users').where({ id: userId }).first('email')).email as string;
  await logIn(customer, email, TEST_PASSWORD);
  const theme = themes[4]!;
  const id = await openDay(customer, theme.id);

  await admin.getByRole('button', { name: 'Admin' }).click();
  await admin.getByLabel('Theme').selectOption(String(theme.id));
  await admin.getByLabel('Date', { exact: true }).first().fill(tomorrowSeoul());
  const startTime = (
    await database
      .db('schedules')
      .where({ id: Number(id) })
      .first('start_time')
  ).start_time.slice(0, 5);
  await admin
    .locator('li', { hasText: `${startTime} AVAILABLE` })
    .getByRole('button', { name: 'Block' })
    .click();
  await t.notThrowsAsync(customer.locator(`[data-testid="slot"][data-schedule-id="${id}"][data-status="BLOCKED"]`).waitFor({ timeout: 2_000 }));

  // Keyboard only: focus the next available slot, Enter holds it, Tab to players and reserve.
  const next = customer.locator('[data-testid="slot"][data-status="AVAILABLE"]').first();
  const nextId = (await next.getAttribute('data-schedule-id'))!;
  await next.focus();
  await customer.keyboard.press('Enter');
  await customer.getByTestId('hold-countdown').waitFor();
  await customer.getByTestId('participants-input').focus();
  await customer.keyboard.press('Tab');
  t.is(await customer.locator(':focus').getAttribute('data-testid'), 'reserve-button');
  await customer.keyboard.press('Enter');
  await customer.getByTestId('pay-button').waitFor();
  t.is(
    (
      await database
        .db('reservations')
        .where({ schedule_id: Number(nextId), user_id: userId })
        .first('status')
    )?.status,
    'PENDING',
  );
});

test('after a reload, the customer’s own hold shows as theirs and a click picks it up again', async (t) => {
  const [userId] = (await makeUsers(database.db, 1)) as [number];
  const email = (await database.db('users').where({ id: userId }).first('email')).email as string;
  const page = await newPage();
  await logIn(page, email, TEST_PASSWORD);
  const id = await openDay(page, themes[5]!.id);
  await slotOf(page, id).click();
  await page.getByTestId('hold-countdown').waitFor();
  const before = await database
    .db('schedules')
    .where({ id: Number(id) })
    .first('hold_expires_at');
  await page.reload();
  await openDay(page, themes[5]!.id);
  await slotOf(page, id).filter({ hasText: 'Yours' }).waitFor();
  await slotOf(page, id).click();
  await page.getByTestId('hold-countdown').waitFor();
  t.is(await slotOf(page, id).getAttribute('data-status'), 'HOLD');
  const after = await database
    .db('schedules')
    .where({ id: Number(id) })
    .first('hold_expires_at', 'held_by');
  t.is(after.held_by, userId);
  t.true(after.hold_expires_at.getTime() >= before.hold_expires_at.getTime(), 'still theirs, never shortened');
});
