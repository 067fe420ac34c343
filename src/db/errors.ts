const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  'EPROTO', // a TLS handshake that went wrong on the wire
]);

/** TLS failures (a proxy that speaks no TLS, a certificate that does not verify) keep the database out of reach too. */
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$)/;

/**
 * What pg and knex say when the server cannot be reached: the pool's acquire timeout, a connect
 * timeout (pg's `connectionTimeoutMillis` says "timeout expired"), a query that got no answer
 * within `query_timeout` (a stalled network), a socket closed under a query or during the
 * handshake (a stopped server, a cut proxy), or a client already broken by one of those.
 */
const CONNECTION_MESSAGES =
  /Connection terminated|Connection ended unexpectedly|connect ECONNREFUSED|timeout exceeded when trying to connect|Timeout acquiring a connection|Client has encountered a connection error|Client was closed and is not queryable|(?:^|- )timeout expired$|Query read timeout$|does not support SSL connections|socket hang up/i;

/** The error and what it wraps (objection's nativeError, an Error cause), outermost first. */
function* chain(err: unknown): Generator<Error> {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth += 1) {
    yield e;
    const inner = (e as { nativeError?: unknown }).nativeError ?? e.cause;
    if (inner === e) return;
    e = inner;
  }
}

/** True when the error says the database could not be reached or did not answer in time, rather than that a statement was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    if (e.name === 'KnexTimeoutError') return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08') || TLS_CODES.test(code))) return true;
    if (CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * True when PostgreSQL refused the data itself (SQLSTATE class 22, data exception, or 23,
 * integrity constraint violation): sending the same rows again will fail the same way.
 */
export function isDataError(err: unknown): boolean {
  for (const e of chain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

/** The SQLSTATE PostgreSQL gave, wherever objection or knex wrapped it. */
export function sqlStateOf(err: unknown): string | undefined {
  for (const e of chain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** PostgreSQL's unique_violation. */
export const isUniqueViolation = (err: unknown): boolean => sqlStateOf(err) === '23505';

/**
 * PostgreSQL's foreign_key_violation (23503): the row is still referenced, or references nothing.
 * PGlite reports a RESTRICT reference as restrict_violation (23001); it means the same here.
 */
export const isForeignKeyViolation = (err: unknown): boolean => {
  const state = sqlStateOf(err);
  return state === '23503' || state === '23001';
};
