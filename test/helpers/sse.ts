export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

export interface SseClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** The first event (from the start of the stream) that `match` accepts, waiting for it up to `ms`. */
  next(match: (e: SseEvent) => boolean, ms?: number, from?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * A minimal EventSource over fetch, which lets a test send Last-Event-ID and read the status of
 * a refused stream. Events are parsed as the SSE spec says (fields per line, blank line ends one).
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  let ended: () => void = () => undefined;
  const endedP = new Promise<void>((resolve) => (ended = resolve));
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            const e: SseEvent = { event: 'message', data: '', id: undefined };
            let any = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':') || line === '') continue;
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') e.event = value;
              else if (field === 'data') e.data += (e.data ? '\n' : '') + value;
              else if (field === 'id') e.id = value;
              else continue;
              any = true;
            }
            if (any && (e.data || e.event !== 'message')) events.push(e);
          }
          for (const w of waiters) w();
        }
      } catch {
        // aborted
      } finally {
        done = true;
        for (const w of waiters) w();
        ended();
      }
    })();
  } else {
    done = true;
    ended();
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended: endedP,
    next(match, ms = 5_000, from = 0) {
      return new Promise<SseEvent>((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(match);
          if (found) {
            cleanup();
            resolve(found);
          } else if (done) {
            cleanup();
            reject(new Error(`stream ended without the event; got ${events.map((x) => x.event).join(',')}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events.slice(-5))}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
