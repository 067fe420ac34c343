import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** node:http's own release of a socket from its parser, the one its upgrade path uses. */
const { freeParser } = createRequire(import.meta.url)('_http_common') as {
  freeParser: (parser: unknown, req: IncomingMessage | null, socket: Socket) => void;
};

type HttpSocket = Socket & { parser?: unknown };

function destroyItself(this: Socket): void {
  this.destroy();
}

const discard = (): void => undefined;

/** Headers the response may carry that describe a body of known length or framing: an event stream has neither. */
const NOT_FOR_A_STREAM = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * Takes the connection of an event stream out of node:http, as its upgrade path does, and writes
 * the response's status line, the headers set on it (the stream's, the request id, security
 * headers, CORS) and `first` in one write. From then on the stream writes to the socket alone: no
 * ServerResponse, request, parser or Koa context stays alive for the stream's life (with ten
 * thousand streams they were more than half of each one's memory), and a frame goes straight to
 * the socket. Nothing else is read from the connection: what the client sends is discarded, and
 * its end closes the socket. A HEAD request gets the head alone, and the connection ends.
 */
export function takeSocket(res: ServerResponse, first: string): Socket {
  const socket = res.socket as HttpSocket | null;
  if (!socket) throw new Error('the response has no socket');
  let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage || 'OK'}\r\n`;
  for (const name of res.getHeaderNames()) {
    if (NOT_FOR_A_STREAM.has(name)) continue;
    const value = res.getHeader(name);
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
  }
  head += 'Connection: close\r\n\r\n';

  // The request's handler may run inside the parser's execute, which puts the parser back in the
  // server's list of connections when it returns: the parser is freed after that. (No closures
  // here: one would share this call's scope, the request with it, for the socket's life.)
  setImmediate(freeParser, socket.parser, res.req, socket);
  res.detachSocket(socket);
  // node:http's listeners and the ones Koa's on-finished left (which hold the Koa context).
  for (const event of socket.eventNames()) socket.removeAllListeners(event);
  socket.on('error', destroyItself);
  socket.on('end', destroyItself);
  socket.on('data', discard);
  socket.setTimeout(0);
  socket.setNoDelay(true);
  // HEAD: the same status and headers, no body, and nothing after them.
  if (res.req.method === 'HEAD') socket.end(head);
  else socket.write(head + first);
  return socket;
}
