import type { Middleware } from 'koa';
import { TossError } from './error-codes.js';
import { sendTossError } from './error-handler.js';

// Idempotency-Key as Toss describes it
// (https://docs.tosspayments.com/guides/using-api/idempotency-key): the same key on the same
// method and path replays the first response for 15 days; a repeat while the first is still
// running is refused with 409 IDEMPOTENT_REQUEST_PROCESSING; a key that is empty or longer than
// 300 characters is refused with 400 INVALID_IDEMPOTENCY_KEY. 5xx answers are not kept: the mock only
// fails with 5xx before doing anything, so a retry with the key must run.

const TTL_MS = 15 * 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 300;

type Entry = { running: true } | { running: false; status: number; body: unknown; expiresAt: number };

export type IdempotencyStore = Map<string, Entry>;

const RUNNING: Entry = { running: true };

export function createIdempotencyStore(): IdempotencyStore {
  return new Map();
}

// Entries are kept roughly in expiry order (re-inserted when they finish),
// so pruning from the front is cheap even under a load test.
function pruneExpired(store: IdempotencyStore, now: number): void {
  for (const [id, entry] of store) {
    if (entry.running) continue;
    if (entry.expiresAt > now) return;
    store.delete(id);
  }
}

export function idempotency(store: IdempotencyStore, now: () => number): Middleware {
  return async (ctx, next) => {
    const header = ctx.headers['idempotency-key'];
    if (ctx.method !== 'POST' || header === undefined) return next();
    const key = Array.isArray(header) ? header.join(', ') : header;
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new TossError('INVALID_IDEMPOTENCY_KEY');
    }

    const id = `${ctx.method} ${ctx.path} ${key}`;
    const startedAt = now();
    const found = store.get(id);
    if (found?.running) throw new TossError('IDEMPOTENT_REQUEST_PROCESSING');
    if (found && found.expiresAt > startedAt) {
      ctx.status = found.status;
      ctx.body = found.body;
      return;
    }

    store.delete(id);
    store.set(id, RUNNING);
    try {
      await next();
    } catch (err) {
      if (!(err instanceof TossError)) {
        store.delete(id);
        throw err;
      }
      sendTossError(ctx, err);
    }
    store.delete(id);
    if (ctx.status >= 500) return;
    pruneExpired(store, startedAt);
    store.set(id, { running: false, status: ctx.status, body: ctx.body, expiresAt: startedAt + TTL_MS });
  };
}
