import test from 'ava';
import { startTossMock, type TossMock } from '../src/tossmock/index.js';

let mock: TossMock;
const auth = { authorization: `Basic ${Buffer.from('test_sk_mock:').toString('base64')}`, 'content-type': 'application/json' };
const order = {
  orderId: 'order_checkout_1',
  amount: '25000',
  orderName: 'Room',
  successUrl: 'http://127.0.0.1:1/checkout/success?reservationId=7',
  failUrl: 'http://127.0.0.1:1/checkout/fail?reservationId=7',
};

test.before(async () => {
  mock = await startTossMock({ secretKey: 'test_sk_mock' });
});
test.after.always(() => mock?.close());

const submit = (fields: Record<string, string>) =>
  fetch(`${mock.url}/checkout`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

test('GET /checkout: the card form for the order; without its addresses 400', async (t) => {
  const page = await fetch(`${mock.url}/checkout?${new URLSearchParams(order)}`);
  t.is(page.status, 200);
  const html = await page.text();
  t.regex(html, /data-testid="checkout-approve"/);
  t.regex(html, /4000 0000 0000 0002/);
  t.false(/form-action/.test(page.headers.get('content-security-policy') ?? ''), 'the form may go on to the merchant');
  t.is((await fetch(`${mock.url}/checkout?orderId=x`)).status, 400);
  t.is((await fetch(`${mock.url}/checkout?${new URLSearchParams({ ...order, successUrl: 'javascript:alert(1)' })}`)).status, 400);
});

test('POST /checkout: redirects to the success URL with a paymentKey the confirm accepts', async (t) => {
  const res = await submit({ ...order, orderId: 'order_checkout_ok', cardNumber: '4330 1234 1234 1234', expiry: '12/30', action: 'pay' });
  t.is(res.status, 303);
  const to = new URL(res.headers.get('location')!);
  t.is(to.pathname, '/checkout/success');
  t.is(to.searchParams.get('reservationId'), '7');
  t.is(to.searchParams.get('orderId'), 'order_checkout_ok');
  t.is(to.searchParams.get('amount'), '25000');
  const confirm = await fetch(`${mock.url}/v1/payments/confirm`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ paymentKey: to.searchParams.get('paymentKey'), orderId: 'order_checkout_ok', amount: 25000 }),
  });
  t.is(confirm.status, 200);
  t.is(((await confirm.json()) as { status: string }).status, 'DONE');
});

test('POST /checkout: a declining test card makes the confirm refuse with its code; cancel goes to the fail URL', async (t) => {
  const res = await submit({ ...order, orderId: 'order_checkout_no', cardNumber: '4000000000000002', expiry: '12/30', action: 'pay' });
  const key = new URL(res.headers.get('location')!).searchParams.get('paymentKey');
  const confirm = await fetch(`${mock.url}/v1/payments/confirm`, { method: 'POST', headers: auth, body: JSON.stringify({ paymentKey: key, orderId: 'order_checkout_no', amount: 25000 }) });
  t.is(confirm.status, 403);
  t.is(((await confirm.json()) as { code: string }).code, 'REJECT_CARD_COMPANY');
  t.is(mock.paymentOf('order_checkout_no')?.status, 'ABORTED');

  const canceled = await submit({ ...order, action: 'cancel' });
  const to = new URL(canceled.headers.get('location')!);
  t.is(to.pathname, '/checkout/fail');
  t.is(to.searchParams.get('code'), 'PAY_PROCESS_CANCELED');

  const bad = await submit({ ...order, cardNumber: '1234', expiry: '12/30', action: 'pay' });
  t.is(bad.status, 400);
  t.regex(await bad.text(), /16 digits/);
});
