import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { ScheduleChange } from './change.js';

/**
 * Schedule changes between instances over Redis pub/sub. Changes committed in one turn of the
 * event loop go out as one message, serialised after the commits that made them, so publishing
 * adds one array push to a commit. A message from this instance comes back and is ignored.
 */
export class LiveBus {
  private readonly self = randomUUID();
  private readonly pub: Redis;
  private readonly sub: Redis;
  private outbox: ScheduleChange[] = [];
  private flushing = false;

  constructor(
    url: string,
    private readonly channel: string,
    private readonly receive: (changes: ScheduleChange[]) => void,
    private readonly log: Logger,
  ) {
    // Lost changes are better than queued ones: a stream that missed one reloads on its next reconnect.
    this.pub = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.sub = new Redis(url, { maxRetriesPerRequest: null });
    for (const r of [this.pub, this.sub]) r.on('error', (err) => this.log.debug({ err }, 'live bus: redis error'));
    this.sub.on('message', (_channel: string, message: string) => this.onMessage(message));
    this.sub.subscribe(channel).catch((err: unknown) => this.log.warn({ err }, 'live bus: could not subscribe'));
  }

  /** Resolves once this instance hears the channel (tests wait for it). */
  async ready(): Promise<void> {
    if (this.sub.status !== 'ready') await new Promise<void>((resolve) => this.sub.once('ready', () => resolve()));
    await this.sub.subscribe(this.channel);
  }

  send(change: ScheduleChange): void {
    this.outbox.push(change);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const changes = this.outbox;
    this.outbox = [];
    this.flushing = false;
    this.pub.publish(this.channel, JSON.stringify({ from: this.self, changes })).catch((err: unknown) => this.log.debug({ err }, 'live bus: publish failed'));
  }

  private onMessage(message: string): void {
    let parsed: { from?: unknown; changes?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.from === this.self || !Array.isArray(parsed.changes)) return;
    this.receive(parsed.changes.filter(isChange));
  }

  /** Disconnects at once: a polite QUIT would wait for a Redis that may be gone, and keep reconnecting meanwhile. */
  async close(): Promise<void> {
    this.pub.disconnect();
    this.sub.disconnect();
  }
}

function isChange(v: unknown): v is ScheduleChange {
  const c = v as Partial<ScheduleChange> | null;
  return typeof c === 'object' && c !== null && Number.isInteger(c.id) && Number.isInteger(c.themeId) && typeof c.date === 'string' && typeof c.status === 'string' && Number.isInteger(c.version);
}
