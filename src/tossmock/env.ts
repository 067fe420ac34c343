import { switchesSchema } from './schemas.js';
import type { TossMockOptions } from './types.js';

const DEFAULT_PORT = 8090;

/**
 * Options for `npm run tossmock` from the environment: TOSS_MOCK_PORT,
 * TOSS_SECRET_KEY, TOSS_MOCK_LATENCY_MS ("250" or "100-500"),
 * TOSS_MOCK_FAILURE_RATE (0..1), TOSS_MOCK_DROP_AFTER_APPROVE=1, TOSS_MOCK_DROP_RATE (0..1),
 * TOSS_MOCK_COMMIT (before|after), TOSS_MOCK_CONFLICT_IN_FLIGHT=1, TOSS_MOCK_SESSION_TTL_MS and
 * TOSS_MOCK_REQUIRE_CHECKOUT=0 (accept any paymentKey, for old clients).
 * Throws on a value it cannot read rather than running with a surprise.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): TossMockOptions {
  const port = env.TOSS_MOCK_PORT ? Number(env.TOSS_MOCK_PORT) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`TOSS_MOCK_PORT must be a port number, got "${env.TOSS_MOCK_PORT}"`);
  }
  const switches = switchesSchema.safeParse({
    latencyMs: env.TOSS_MOCK_LATENCY_MS ? parseLatency(env.TOSS_MOCK_LATENCY_MS) : undefined,
    failureRate: env.TOSS_MOCK_FAILURE_RATE ? Number(env.TOSS_MOCK_FAILURE_RATE) : undefined,
    dropAfterApprove: env.TOSS_MOCK_DROP_AFTER_APPROVE ? ['1', 'true', 'yes'].includes(env.TOSS_MOCK_DROP_AFTER_APPROVE.toLowerCase()) : undefined,
    dropRate: env.TOSS_MOCK_DROP_RATE ? Number(env.TOSS_MOCK_DROP_RATE) : undefined,
    commit: env.TOSS_MOCK_COMMIT || undefined,
    conflictInFlight: env.TOSS_MOCK_CONFLICT_IN_FLIGHT ? yes(env.TOSS_MOCK_CONFLICT_IN_FLIGHT) : undefined,
    sessionTtlMs: env.TOSS_MOCK_SESSION_TTL_MS ? Number(env.TOSS_MOCK_SESSION_TTL_MS) : undefined,
  });
  if (!switches.success) {
    const issue = switches.error.issues[0];
    throw new Error(`TOSS_MOCK_* switches: ${issue?.path.join('.')} ${issue?.message}`);
  }
  return {
    port,
    host: '127.0.0.1',
    ...(env.TOSS_SECRET_KEY ? { secretKey: env.TOSS_SECRET_KEY } : {}),
    ...(env.TOSS_MOCK_REQUIRE_CHECKOUT ? { requireCheckout: yes(env.TOSS_MOCK_REQUIRE_CHECKOUT) } : {}),
    ...Object.fromEntries(Object.entries(switches.data).filter(([, value]) => value !== undefined)),
  };
}

function parseLatency(text: string): number | { min: number; max: number } {
  const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  return Number(text);
}

const yes = (text: string) => ['1', 'true', 'yes'].includes(text.toLowerCase());
