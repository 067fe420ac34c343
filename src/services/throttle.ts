import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { GrantWindows } from './grant-windows.js';

/** How much guessing is allowed: failures per account and address, per address, signups per address. */
export interface ThrottleLimits {
  /** Failed logins for one email from one address (default 10 per 15 minutes). */
  failuresPerAccount: number;
  /** Failed logins (and signups that found the email taken) from one address (default 100 per 15 minutes). */
  failuresPerAddress: number;
  failureWindowSeconds: number;
  /** Signups from one address (default 20 an hour). */
  signupsPerAddress: number;
  signupWindowSeconds: number;
  /** Holds granted to one user (default 30 a minute; losing holds are not counted). */
  holdsPerUser: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  failuresPerAccount: 10,
  failuresPerAddress: 100,
  failureWindowSeconds: 900,
  signupsPerAddress: 20,
  signupWindowSeconds: 3600,
  holdsPerUser: 30,
};

/** Allowed, or refused until `retryAfterSeconds` from now. */
export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

const ALLOWED: Verdict = { ok: true };
const refusedFor = (res: RateLimiterRes): Verdict => ({ ok: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) });

/**
 * Throttles guessing (rate-limiter-flexible). With Redis the counters are shared by every instance
 * (keys under `prefix`); if Redis stops answering, each instance goes on counting in memory rather
 * than letting guesses through or refusing everyone. Without Redis, the counters are this process's.
 * Hold grants are always counted in memory (`GrantWindows`): they are asked on the booking path,
 * where a Redis round trip per winning hold is not worth what it buys over a per-instance count.
 */
export class Throttle {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;
  private readonly signups: RateLimiterAbstract;
  private readonly holds: GrantWindows;
  private readonly redis: Redis | undefined;

  constructor(opts: { redisUrl?: string; prefix?: string; limits?: Partial<ThrottleLimits> } = {}) {
    const l = { ...DEFAULT_LIMITS, ...opts.limits };
    // One connection for every limiter. A command waits at most 250 ms (for the connection to come
    // up, or for a Redis that hangs); then the in-memory insurance counts instead.
    this.redis = opts.redisUrl ? new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 250 }) : undefined;
    this.redis?.on('error', () => undefined);
    const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      if (!this.redis) return memory;
      return new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${opts.prefix ?? 'roomescape'}:throttle:${keyPrefix}`, points, duration, insuranceLimiter: memory });
    };
    this.perAccount = make('login-account', l.failuresPerAccount, l.failureWindowSeconds);
    this.perAddress = make('login-address', l.failuresPerAddress, l.failureWindowSeconds);
    this.signups = make('signup-address', l.signupsPerAddress, l.signupWindowSeconds);
    this.holds = new GrantWindows(l.holdsPerUser, 60_000);
  }

  /**
   * Counts a login attempt against the account (from this address) before its password is hashed,
   * so that a burst of guesses at one account is refused at once rather than queued for the hash;
   * the address's failures are checked before and counted after, so that many people signing in at
   * once from one address (a NAT, an office) are not refused for being many. `settle` says how it
   * ended: a success clears the account's count; an attempt never checked (shed, database away)
   * gives its point back; a failure also counts against the address.
   */
  async beginLogin(email: string, address: string): Promise<{ verdict: Verdict; settle: (outcome: 'succeeded' | 'failed' | 'unchecked') => Promise<void> }> {
    const account = accountKey(email, address);
    const [byAddress, byAccount] = await Promise.all([this.perAddress.get(address), spend(this.perAccount, account)]);
    const refused = [byAccount, byAddress && byAddress.remainingPoints <= 0 ? byAddress : null].filter((r): r is RateLimiterRes => r !== null);
    const settle = async (outcome: 'succeeded' | 'failed' | 'unchecked') => {
      if (outcome === 'failed') await spend(this.perAddress, address);
      else await (outcome === 'succeeded' ? this.perAccount.delete(account) : this.perAccount.reward(account, 1)).catch(() => undefined);
    };
    if (refused.length === 0) return { verdict: ALLOWED, settle };
    // A refused attempt is not a guess: it costs no point.
    if (byAccount === null) await settle('unchecked');
    else await this.perAccount.reward(account, 1).catch(() => undefined);
    return { verdict: refusedFor(refused.reduce((a, b) => (a.msBeforeNext > b.msBeforeNext ? a : b))), settle: async () => undefined };
  }

  /** A signup from this address; one that found the email taken also counts as a failed guess. */
  async maySignUp(address: string): Promise<Verdict> {
    const addr = await this.perAddress.get(address);
    if (addr && addr.remainingPoints <= 0) return refusedFor(addr);
    try {
      await this.signups.consume(address);
      return ALLOWED;
    } catch (res) {
      if (res instanceof RateLimiterRes) return refusedFor(res);
      throw res;
    }
  }

  async emailTaken(address: string): Promise<void> {
    await spend(this.perAddress, address);
  }

  /** May this user be granted one more hold now? Only granted holds are counted (`holdGranted`). */
  async mayGrantHold(userId: number): Promise<Verdict> {
    const retryAfterSeconds = this.holds.retryAfterSeconds(userId);
    return retryAfterSeconds > 0 ? { ok: false, retryAfterSeconds } : ALLOWED;
  }

  holdGranted(userId: number): void {
    this.holds.granted(userId);
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}

const accountKey = (email: string, address: string) => `${email.trim().toLowerCase()}|${address}`;

/** Spends a point: null when it was there to spend, else the exhausted limiter's state. */
async function spend(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (res) {
    if (res instanceof RateLimiterRes) return res;
    throw res;
  }
}
