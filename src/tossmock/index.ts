import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTossMockApp } from './app.js';
import { findByOrder, openCheckout } from './ledger.js';
import { switchesSchema } from './schemas.js';
import { createTossMockState, mergeSwitches, resetTossMockState, rulesOf, wakeAll, type TossMockState } from './state.js';
import type { TossMock, TossMockOptions } from './types.js';

export { createTossMockApp } from './app.js';
export { createTossMockState, type TossMockState } from './state.js';
export type * from './types.js';

/** Starts the mock on `host:port` (port 0 picks a free one). */
export async function startTossMock(options: TossMockOptions = {}): Promise<TossMock> {
  const state = createTossMockState(options);
  const server = createServer(createTossMockApp(state).callback());
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    events: state.events,
    close: () => (closing ??= close(server, state)),
    confirmCount: (orderId) => state.ledger.charges.get(orderId) ?? 0,
    totalConfirms: () => state.ledger.totalCharges,
    setSwitches: (switches) => mergeSwitches(state, switchesSchema.parse(switches)),
    reset: () => resetTossMockState(state),
    checkout: (orderId, amount) => {
      const opened = openCheckout(state.ledger, { orderId, amount }, state.now());
      if (!opened.ok) throw new Error(`checkout refused: ${opened.code}`);
      return opened.session.paymentKey;
    },
    paymentOf: (orderId) => findByOrder(state.ledger, orderId, rulesOf(state), state.now()),
    balances: () => new Map([...state.ledger.byKey.values()].filter((p) => p.balanceAmount > 0).map((p) => [p.orderId, p.balanceAmount])),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

// Requests sleeping through injected latency are woken and their sockets
// dropped, so closing never waits for a slow or dropped answer.
function close(server: Server, state: TossMockState): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    wakeAll(state);
    server.closeAllConnections();
  });
}
