import test from 'ava';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { takeSocket } from '../src/http/live/take-socket.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A server whose every request's connection is taken with its headers; the taken sockets are reported. */
async function server(prepare: (res: ServerResponse) => void) {
  const taken: Socket[] = [];
  const responses: WeakRef<ServerResponse>[] = [];
  const s = createServer((_req, res) => {
    prepare(res);
    responses.push(new WeakRef(res));
    taken.push(takeSocket(res, 'retry: 2000\n\n'));
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  return { s, port, taken, responses };
}

async function request(port: number): Promise<{ client: Socket; text: () => string }> {
  const client = connect(port, '127.0.0.1');
  let received = '';
  client.on('data', (d: Buffer) => (received += d.toString()));
  client.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise<void>((resolve) => {
    const check = () => (received.includes('retry: 2000\n\n') ? resolve() : client.once('data', check));
    client.once('data', check);
  });
  return { client, text: () => received };
}

test('takeSocket: the status, every header set on the response and the first text go out once, with no length or chunking', async (t) => {
  const { s, port } = await server((res) => {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('X-Request-Id', 'r-1');
    res.setHeader('Vary', ['Origin', 'Accept']);
    res.setHeader('Content-Length', '12');
    res.setHeader('Transfer-Encoding', 'chunked');
  });
  const { client, text } = await request(port);
  const [head, body] = text().split('\r\n\r\n');
  const lines = head!.split('\r\n');
  t.is(lines[0], 'HTTP/1.1 200 OK');
  t.deepEqual(lines.slice(1).sort(), ['Connection: close', 'content-type: text/event-stream; charset=utf-8', 'vary: Accept', 'vary: Origin', 'x-request-id: r-1'].sort());
  t.is(body, 'retry: 2000\n\n');
  client.destroy();
  s.close();
});

test('takeSocket: node:http lets go of the connection and its response, and the client ending it closes the socket', async (t) => {
  const { s, port, taken, responses } = await server((res) => res.setHeader('Content-Type', 'text/event-stream'));
  const { client } = await request(port);
  const socket = taken[0]!;
  t.deepEqual(socket.eventNames().sort(), ['data', 'end', 'error'].sort(), 'only the stream’s own listeners are left');
  // What the client sends now is read and dropped: no parser answers it.
  client.write('GET /again HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.true(socket.writable);
  // node:http no longer tracks the connection: closing its connections leaves the stream open.
  s.closeAllConnections();
  t.false(socket.destroyed);
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  t.is(responses[0]!.deref(), undefined, 'the response was collected while the stream lives');
  const closed = once(socket, 'close');
  client.end();
  await closed;
  t.true(socket.destroyed);
  s.close();
});

test('takeSocket: a HEAD request gets the status and headers alone, then the connection ends', async (t) => {
  const { s, port, taken } = await server((res) => res.setHeader('Content-Type', 'text/event-stream'));
  const client = connect(port, '127.0.0.1');
  let received = '';
  client.on('data', (d: Buffer) => (received += d.toString()));
  client.write('HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(client, 'end');
  t.is(received, 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nConnection: close\r\n\r\n');
  taken[0]!.write('event: late\n\n');
  client.destroy();
  s.close();
});
