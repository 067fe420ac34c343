import type { Db } from '../knex.js';

export type Claim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown } | { kind: 'in-flight' } | { kind: 'mismatch' };

export interface IdempotencyKey {
  userId: number;
  scope: string;
  key: string;
}

/** A claim left unanswered this long belongs to a request that died; the next one may take it over. */
const ABANDONED_AFTER_MS = 60_000;

/**
 * Claims an idempotency key for a request: the first caller gets `claimed`; later ones get the
 * first answer replayed, `in-flight` while it is still being worked on, or `mismatch` when the
 * same key comes with a different request.
 */
export async function claimKey(db: Db, id: IdempotencyKey, requestHash: string): Promise<Claim> {
  const inserted = await db('idempotency_keys')
    .insert({ user_id: id.userId, scope: id.scope, key: id.key, request_hash: requestHash })
    .onConflict(['user_id', 'scope', 'key'])
    .ignore()
    .returning('key');
  if (inserted.length) return { kind: 'claimed' };
  const row = await db('idempotency_keys').where({ user_id: id.userId, scope: id.scope, key: id.key }).first();
  if (!row) return claimKey(db, id, requestHash);
  if (row.request_hash !== requestHash) return { kind: 'mismatch' };
  if (row.response_status !== null) return { kind: 'replay', status: row.response_status, body: row.response_body };
  if (Date.now() - new Date(row.created_at).getTime() < ABANDONED_AFTER_MS) return { kind: 'in-flight' };
  const taken = await db('idempotency_keys')
    .where({ user_id: id.userId, scope: id.scope, key: id.key, created_at: row.created_at })
    .whereNull('response_status')
    .update({ created_at: db.fn.now() })
    .returning('key');
  return taken.length ? { kind: 'claimed' } : { kind: 'in-flight' };
}

export async function completeKey(db: Db, id: IdempotencyKey, status: number, body: unknown): Promise<void> {
  await db('idempotency_keys')
    .where({ user_id: id.userId, scope: id.scope, key: id.key })
    .update({ response_status: status, response_body: JSON.stringify(body ?? null), completed_at: db.fn.now() });
}

/** Forgets a claim whose request failed on our side, so the client's retry runs afresh. */
export async function releaseKey(db: Db, id: IdempotencyKey): Promise<void> {
  await db('idempotency_keys').where({ user_id: id.userId, scope: id.scope, key: id.key }).whereNull('response_status').delete();
}
