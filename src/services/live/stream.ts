export type DropReason = 'slow' | 'closed' | 'shutdown';

/** Where a stream's frames go: its response until it opens, then what opening it returned (the socket). */
export interface StreamSink {
  write(data: string | Buffer): unknown;
  readonly writableLength: number;
  end(): unknown;
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** Sends the stream's first text (headers with it) and returns where the rest goes. */
export type Opener = (first: string) => StreamSink;

/**
 * One open event stream. Frames written before the stream is `open` (while its snapshot is read)
 * wait in a short queue; after, they go to the socket unless more than `maxBufferedBytes` are
 * already waiting there: a subscriber that does not read is dropped, never buffered without bound.
 */
export class EventStream<P = unknown> {
  private pending: { frame: string; tag: P }[] | null = [];
  private closed = false;
  private readonly closers: ((reason: DropReason) => void)[] = [];

  private out: StreamSink;

  constructor(
    res: StreamSink,
    private readonly maxBufferedBytes: number,
    private opener: Opener | undefined = (first) => (res.write(first), res),
    private readonly maxPending = 1_000,
  ) {
    this.out = res;
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
    const before = this.out;
    this.out = this.opener!(text);
    // The opener holds the response (and through it the request's context): let them go.
    this.opener = undefined;
    if (this.out !== before) this.out.once('close', () => this.end('closed'));
  }

  /** A heartbeat, once the stream is open. */
  beat(text: string): void {
    if (!this.pending) this.write(text);
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    if (this.out.writableLength > this.maxBufferedBytes) return this.end('slow');
    this.out.write(data);
  }

  end(reason: DropReason): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    // A slow reader's socket is full: ending politely would wait on it.
    if (reason === 'slow') this.out.destroy();
    else if (reason === 'shutdown') this.out.end();
    for (const fn of this.closers) fn(reason);
  }
}
