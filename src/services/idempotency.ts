import { createHash } from 'node:crypto';
import type { Db } from '../db/knex.js';
import { claimKey, completeKey, releaseKey, type IdempotencyKey } from '../db/repositories/idempotency.js';

export interface Answer {
  status: number;
  body: unknown;
}

export type Idempotent = { kind: 'answered'; answer: Answer; replayed: boolean } | { kind: 'in-flight' } | { kind: 'mismatch' };

export const hashRequest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/**
 * Runs `work` once per idempotency key: a repeat of the same request replays the first answer, a
 * repeat while it still runs is told so, and the same key with a different request is refused.
 * Answers of 5xx are not kept, so the client's retry runs afresh.
 */
export async function once(db: Db, id: IdempotencyKey, requestHash: string, work: () => Promise<Answer>): Promise<Idempotent> {
  const claim = await claimKey(db, id, requestHash);
  if (claim.kind === 'replay') return { kind: 'answered', answer: { status: claim.status, body: claim.body }, replayed: true };
  if (claim.kind !== 'claimed') return claim;
  let answer: Answer;
  try {
    answer = await work();
  } catch (err) {
    await releaseKey(db, id).catch(() => undefined);
    throw err;
  }
  if (answer.status >= 500) await releaseKey(db, id);
  else await completeKey(db, id, answer.status, answer.body);
  return { kind: 'answered', answer, replayed: false };
}
