// The service's HTTP API as the page uses it: same origin, the login cookie, JSON in and out.

export interface User {
  id: number;
  email: string;
  name: string;
  role: 'USER' | 'ADMIN';
}
export interface Store {
  id: number;
  name: string;
  address: string;
}
export interface Theme {
  id: number;
  storeId: number;
  name: string;
  description: string;
  price: number;
  durationMinutes: number;
  minPlayers: number;
  maxPlayers: number;
  difficulty: number;
}
export type SlotStatus = 'AVAILABLE' | 'HOLD' | 'RESERVED' | 'BLOCKED';
export interface Slot {
  id: number;
  themeId: number;
  date: string;
  startTime: string;
  status: SlotStatus;
}
export interface Hold {
  scheduleId: number;
  status: string;
  holdExpiresAt: string;
}
export interface Pending {
  id: number;
  scheduleId: number;
  status: string;
  orderId: string;
  amount: number;
  expiresAt: string;
}
export interface Reservation {
  id: number;
  scheduleId: number;
  status: string;
  orderId: string;
  amount: number;
  participants: number;
  expiresAt: string;
  theme: { id: number; name: string; storeId: number };
  schedule: { id: number; date: string; startTime: string };
  payment: { amount: number; status: string; method: string | null; refundedAmount: number } | null;
}
export interface Refund {
  status: 'DONE' | 'PENDING' | 'NONE';
  amount: number;
}

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
