import test from 'ava';
import { readFileSync } from 'node:fs';
import type { HttpBodies } from '../src/client/http.js';
import type { HoldBody, ReservationBody, ScheduleBody } from '../src/queue/wire.js';
import { CLIENT_TYPES_PATH, clientTypes } from '../scripts/client-types.js';

test('src/client/http-bodies.ts is what `npm run client-types` makes from the route table', async (t) => {
  t.is(readFileSync(CLIENT_TYPES_PATH, 'utf8'), await clientTypes(), 'run `npm run client-types` and commit src/client/http-bodies.ts');
});

/** Compiles only when A and B are each assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(): T => true as T;

test('the bodies the command bus shares with HTTP are the same types on both', (t) => {
  agree<Same<HttpBodies['POST /schedules/:id/hold'], HoldBody>>();
  agree<Same<HttpBodies['GET /schedules/:id'], ScheduleBody>>();
  agree<Same<Extract<HttpBodies['POST /reservations'], { orderId: string }>, ReservationBody>>();
  t.pass('checked by the type checker');
});
