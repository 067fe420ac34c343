import net from 'node:net';

/** How the proxy treats traffic: forward it, or fail the way a stopped server, a reset or a dead network would. */
export type ProxyMode = 'forward' | 'refuse' | 'reset' | 'hang';

export interface TcpProxy {
  port: number;
  /** A database URL like `url` but through the proxy. */
  urlFor(url: string): string;
  readonly mode: ProxyMode;
  /** Destroys every open connection and refuses new ones (accepted, then closed at once), like a stopped server. */
  cut(): void;
  /** The same as `cut`. */
  refuse(): void;
  /** Resets (RST) every open connection and every new one, like a firewall rejecting the flow. */
  reset(): void;
  /** Stops moving bytes either way without closing anything, like a network that drops packets; new connections open and then hear nothing. */
  hang(): void;
  /** Forwards again; connections held by `hang` carry on with what was sent meanwhile. */
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/** A TCP forwarder to host:port (by default the machine's PostgreSQL) that a test can cut, reset, stall and restore. */
export async function startTcpProxy(target: { host: string; port: number } = { host: '127.0.0.1', port: 5432 }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: ProxyMode = 'forward';

  const flow = (p: Pair) => {
    p.client.pipe(p.upstream);
    p.upstream.pipe(p.client);
  };
  const stall = (p: Pair) => {
    p.client.unpipe(p.upstream);
    p.upstream.unpipe(p.client);
    p.client.pause();
    p.upstream.pause();
  };
  const rst = (s: net.Socket) => (s.destroyed ? undefined : s.resetAndDestroy());

  const server = net.createServer((client) => {
    if (mode === 'refuse') return void client.destroy();
    if (mode === 'reset') return void rst(client);
    const upstream = net.connect(target.port, target.host);
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    if (mode === 'hang') client.pause();
    else flow(pair);
    const both = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', both).on('close', both);
    upstream.on('error', both).on('close', both);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;

  const refuse = () => {
    mode = 'refuse';
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
  };

  return {
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    get mode() {
      return mode;
    },
    cut: refuse,
    refuse,
    reset() {
      mode = 'reset';
      for (const p of pairs) {
        rst(p.client);
        p.upstream.destroy();
      }
    },
    hang() {
      mode = 'hang';
      for (const p of pairs) stall(p);
    },
    restore() {
      const was = mode;
      mode = 'forward';
      if (was === 'hang') for (const p of pairs) flow(p);
    },
    async close() {
      refuse();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
