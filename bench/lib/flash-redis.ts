/**
 * The Redis the bench's servers use: REDIS_URL (loopback only, default redis://127.0.0.1:6379), a
 * key prefix of their own per bench invocation, and the removal of every key under that prefix at
 * the end. The flash-sale baseline (bench/flash-sale.ts) takes its holds there; the live scenario's
 * two instances share their queues and live bus there.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loopbackUrl } from './lt/target.js';

export interface BenchRedis {
  url: string;
  /** Letters, digits, `.`, `-` and `_` only (a QUEUE_PREFIX too). */
  prefix: string;
  /** Deletes the run's keys; resolves to how many there were. */
  cleanup(): Promise<number>;
}

export interface FlashRedis {
  /** What the flash-sale server's environment needs. */
  env: Record<string, string>;
  cleanup(): Promise<number>;
}

export function benchRedis(kind: string): BenchRedis {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const checked = loopbackUrl(url, 'REDIS_URL', ['redis:']);
  if ('error' in checked) throw new Error(checked.error);
  const prefix = `roomescape-bench.${kind}.${randomBytes(6).toString('hex')}`;
  return {
    url,
    prefix,
    async cleanup() {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
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

export function flashRedis(): FlashRedis {
  const r = benchRedis('flash');
  return { env: { REDIS_URL: r.url, FLASH_KEY_PREFIX: `${r.prefix}:` }, cleanup: r.cleanup };
}
