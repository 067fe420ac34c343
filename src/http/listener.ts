import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { answerFor, type ErrorCode } from '../errors/catalogue.js';

/**
 * Node's HTTP server for the app, with a bound on slow clients: a request whose headers and body
 * have not all arrived within `requestTimeoutMs` is answered 408 and its connection closed, so a
 * client dripping a body a byte at a time cannot hold a connection and a handler for minutes (Node
 * allows 5). Node looks for such requests on an interval, which is kept short next to the timeout.
 */
export function createHttpServer(app: Koa, { requestTimeoutMs }: { requestTimeoutMs: number }): Server {
  const server = createServer(
    { requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(requestTimeoutMs / 4))) },
    app.callback(),
  );
  const answers = refusals(requestTimeoutMs);
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => answerClientError(answers, err, socket));
  return server;
}

/** What Node answers, bare, to a request it could not parse or that came too slowly, as our `{code, message}` instead. */
function refusals(requestTimeoutMs: number): Map<string, Buffer> {
  const answer = (code: ErrorCode, message?: string) => {
    const { status, message: usual } = answerFor(code);
    const body = JSON.stringify({ code, message: message ?? usual });
    return Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  return new Map([
    ['HPE_INVALID_METHOD', answer('NOT_IMPLEMENTED')],
    ['HPE_HEADER_OVERFLOW', answer('HEADERS_TOO_LARGE')],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', answer('PAYLOAD_TOO_LARGE', 'the chunk extensions are too large')],
    ['ERR_HTTP_REQUEST_TIMEOUT', answer('REQUEST_TIMEOUT', `the request did not arrive in full within ${requestTimeoutMs} ms`)],
    ['', answer('INVALID_REQUEST', 'the request is not valid HTTP/1.1')],
  ]);
}

/**
 * Does what Node does without a `clientError` listener, with a JSON body: answers only when no
 * response has started on the connection (a half-written one must not be corrupted), then closes it.
 */
function answerClientError(answers: Map<string, Buffer>, err: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(answers.get(err.code ?? '') ?? answers.get('')!);
  socket.destroy();
}
