import { z } from 'zod';

/**
 * A cancellation policy: tiers of "at least `before` minutes before the start → `percent`
 * refunded". The first tier the cancel is early enough for applies; later than every tier, none.
 * A theme may carry its own (themes.refund_policy); otherwise DEFAULT_POLICY applies.
 */
export interface PolicyTier {
  before: number;
  percent: number;
}

/** 100% until 24 h before the start, 50% until 3 h before, nothing after. */
export const DEFAULT_POLICY: readonly PolicyTier[] = [
  { before: 24 * 60, percent: 100 },
  { before: 3 * 60, percent: 50 },
];

const policySchema = z.array(z.object({ before: z.number().int().min(0), percent: z.number().int().min(0).max(100) })).max(10);

/** A stored policy, or the default when there is none or it cannot be read. */
export function policyOf(stored: unknown): readonly PolicyTier[] {
  const parsed = policySchema.safeParse(stored);
  return parsed.success && parsed.data.length > 0 ? parsed.data : DEFAULT_POLICY;
}

export function refundPercent(policy: readonly PolicyTier[], startsAt: Date, now: Date): number {
  const minutesLeft = (startsAt.getTime() - now.getTime()) / 60_000;
  const tiers = [...policy].sort((a, b) => b.before - a.before);
  return tiers.find((t) => minutesLeft >= t.before)?.percent ?? 0;
}

/** Whole won, rounded down: the gateway cancels integers, and the customer is never refunded more than the policy says. */
export const refundAmount = (paid: number, percent: number): number => Math.floor((paid * percent) / 100);
