/**
 * HTTP types for roomescape/client.
 *
 * THE PLACE FOR THE DECLARED CONTRACT: the route table and error catalogue being declared in
 * src/http (route → request and response types) will be re-exported from here, replacing the
 * hand-kept types below. Until then these are the bodies the bus and the routes share (wire.ts,
 * checked against the actors at compile time) and the error body every 4xx/5xx carries.
 */
import type { HoldBody, ReservationBody, ScheduleBody } from '../queue/wire.js';

/** Every error answer: `{code, message}`, sometimes with more fields (e.g. `attempts`, `payOnSite`). */
export type ErrorBody = { code: string; message: string } & Record<string, unknown>;

/** Response bodies by route, for the routes whose bodies the bus shares. */
export interface HttpBodies {
  'GET /schedules/:id': ScheduleBody;
  'POST /schedules/:id/hold': HoldBody;
  'POST /reservations': ReservationBody;
}
