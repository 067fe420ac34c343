import type { ServerResponse } from 'node:http';

export type DropReason = 'slow' | 'closed' | 'shutdown';

/**
 * One open event stream. Frames written before the stream is `open` (while its snapshot is read)
 * wait in a short queue; after, they go to the socket unless more than `maxBufferedBytes` are
 * already waiting there: a subscriber that does not read is dropped, never buffered without bound.
 */
export class EventStream<P = unknown> {
  private pending: { frame: string; tag: P }[] | null = [];
  private closed = false;
  private readonly closers: ((reason: DropReason) => void)[] = [];

  constructor(
    readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
    private readonly maxPending = 1_000,
  ) {
    res.once('close', () => this.end('closed'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onEnd(fn: (reason: DropReason) => void): void {
    this.closers.push(fn);
  }

  /** Queued until `open`, then written. `tag` lets `open` skip what its snapshot already covers. */
  send(frame: string, tag: P): void {
    if (this.closed) return;
    if (this.pending) return this.queue([{ frame, tag }]);
    this.write(frame);
  }

  /** Several frames at once: `bytes` (all of them, shared by every stream) once open, each one queued before. */
  sendAll(bytes: Buffer, frames: readonly { frame: string; tag: P }[]): void {
    if (this.closed) return;
    if (this.pending) return this.queue(frames);
    this.write(bytes);
  }

  private queue(frames: readonly { frame: string; tag: P }[]): void {
    if (this.pending!.length + frames.length > this.maxPending) return this.end('slow');
    for (const f of frames) this.pending!.push(f);
  }

  /** Writes `head` (headers are sent with it), then the queued frames `keep` accepts. */
  open(head: string, keep: (tag: P) => boolean = () => true): void {
    if (this.closed) return;
    const queued = this.pending ?? [];
    this.pending = null;
    let text = head;
    for (const q of queued) if (keep(q.tag)) text += q.frame;
    this.write(text);
  }

  /** A heartbeat, once the stream is open. */
  beat(text: string): void {
    if (!this.pending) this.write(text);
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    if (this.res.writableLength > this.maxBufferedBytes) return this.end('slow');
    this.res.write(data);
  }

  end(reason: DropReason): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    // A slow reader's socket is full: ending politely would wait on it.
    if (reason === 'slow') this.res.destroy();
    else if (reason === 'shutdown') this.res.end();
    for (const fn of this.closers) fn(reason);
  }
}
