/**
 * The Redis the flash-sale baseline (bench/flash-sale.ts) takes its holds in: REDIS_URL (loopback
 * only, default redis://127.0.0.1:6379), a key prefix of its own per bench invocation, and the
 * removal of every key under that prefix at the end.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loopbackUrl } from './lt/target.js';

export interface FlashRedis {
  /** What the flash-sale server's environment needs. */
  env: Record<string, string>;
  /** Deletes the run's keys; resolves to how many there were. */
  cleanup(): Promise<number>;
}

export function flashRedis(): FlashRedis {
  const raw = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const checked = loopbackUrl(raw, 'REDIS_URL', ['redis:']);
  if ('error' in checked) throw new Error(checked.error);
  const prefix = `roomescape-bench:flash:${randomBytes(6).toString('hex')}:`;
  return {
    env: { REDIS_URL: raw, FLASH_KEY_PREFIX: prefix },
    async cleanup() {
      const redis = new Redis(raw, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      try {
        await redis.connect();
        let removed = 0;
        for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
          if (keys.length) removed += await redis.unlink(...keys);
        }
        return removed;
      } finally {
        redis.disconnect();
      }
    },
  };
}
