import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

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
 * Hold grants are always counted in memory: they are asked on the booking path, where a Redis round
 * trip per winning hold is not worth what it buys over a per-instance count.
 */
export class Throttle {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;
  private readonly signups: RateLimiterAbstract;
  private readonly holds: RateLimiterMemory;
  private readonly redis: Redis | undefined;

  constructor(opts: { redisUrl?: string; prefix?: string; limits?: Partial<ThrottleLimits> } = {}) {
    const l = { ...DEFAULT_LIMITS, ...opts.limits };
    // One connection for every limiter; commands fail fast (rather than queue) while Redis is away.
    this.redis = opts.redisUrl ? new Redis(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }) : undefined;
    this.redis?.on('error', () => undefined);
    const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      if (!this.redis) return memory;
      return new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${opts.prefix ?? 'roomescape'}:throttle:${keyPrefix}`, points, duration, rejectIfRedisNotReady: true, insuranceLimiter: memory });
    };
    this.perAccount = make('login-account', l.failuresPerAccount, l.failureWindowSeconds);
    this.perAddress = make('login-address', l.failuresPerAddress, l.failureWindowSeconds);
    this.signups = make('signup-address', l.signupsPerAddress, l.signupWindowSeconds);
    this.holds = new RateLimiterMemory({ keyPrefix: 'hold-grants', points: l.holdsPerUser, duration: 60 });
  }

  /**
   * Counts a login attempt against the account (from this address) and the address before its
   * password is hashed, so that a thousand guesses arriving at once are refused at once rather than
   * queued for the hash. `settle` says how it ended: a success gives both points back and clears the
   * account's count; an attempt that was never checked (shed, database away) gives its points back.
   */
  async beginLogin(email: string, address: string): Promise<{ verdict: Verdict; settle: (outcome: 'succeeded' | 'failed' | 'unchecked') => Promise<void> }> {
    const account = accountKey(email, address);
    const spent = await Promise.all([spend(this.perAccount, account), spend(this.perAddress, address)]);
    const refused = spent.filter((r): r is RateLimiterRes => r !== null);
    const settle = async (outcome: 'succeeded' | 'failed' | 'unchecked') => {
      if (outcome === 'failed') return;
      await Promise.all([
        outcome === 'succeeded' ? this.perAccount.delete(account) : this.perAccount.reward(account, 1),
        this.perAddress.reward(address, 1),
      ]).catch(() => undefined);
    };
    if (refused.length === 0) return { verdict: ALLOWED, settle };
    // A refused attempt is not a guess: it costs no point.
    await settle('unchecked');
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
    const res = await this.holds.get(userId);
    return res && res.remainingPoints <= 0 ? refusedFor(res) : ALLOWED;
  }

  holdGranted(userId: number): void {
    void spend(this.holds, String(userId));
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
