import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { LiveBus } from './bus.js';
import { DEFAULT_LIVE, LiveHub } from './hub.js';

export { LiveHub } from './hub.js';

/** The hub with the configured limits and, with REDIS_URL, the other instances' changes. */
export function startLive(config: Pick<Config, 'live' | 'redisUrl' | 'queuePrefix'>, log: Logger): LiveHub {
  const hub = new LiveHub({ ...DEFAULT_LIVE, ...config.live });
  if (config.redisUrl) hub.relay = new LiveBus(config.redisUrl, `${config.queuePrefix ?? 'roomescape'}:live`, (changes) => hub.receive(changes), log.child({ component: 'live' }));
  return hub;
}
