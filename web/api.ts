// The service's HTTP API as the page uses it: same origin, the login cookie, JSON in and out.
// The bodies' types come from the service's own response schemas (src/http/bodies.ts, the ones
// /openapi.json is built from and every test response is checked against): types only, so the
// bundle carries none of the server.
import type { z } from 'zod';
import type * as bodies from '../src/http/bodies.js';

export type User = z.infer<typeof bodies.user>;
export type Store = z.infer<typeof bodies.store>;
export type Theme = z.infer<typeof bodies.theme>;
export type SlotStatus = z.infer<typeof bodies.scheduleStatus>;
export type Slot = z.infer<typeof bodies.listing>;
export type Hold = z.infer<typeof bodies.hold>;
/** A reservation as POST /reservations answers it: unpaid, with its order id and amount. */
export type Pending = z.infer<typeof bodies.reservationSummary>;
export type Reservation = z.infer<typeof bodies.reservation>;
export type Refund = z.infer<typeof bodies.refundState>;

/** A refusal: the API's `{code, message}` and whatever else it said (attempts, payOnSite, max…). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the service could not be reached');
  }
  const text = await res.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const e = (parsed ?? {}) as { code?: string; message?: string } & Record<string, unknown>;
    throw new ApiError(res.status, e.code ?? 'HTTP_' + res.status, e.message ?? res.statusText, e);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
