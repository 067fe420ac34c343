import { trace, type Span } from '@opentelemetry/api';
import type { Db } from '../db/knex.js';
import { tracer } from './tracing.js';

interface QueryEvent {
  __knexQueryUid: string;
  sql: string;
  method?: string;
}

/**
 * A span per SQL statement, child of whatever span is active (a request, an actor message).
 * Statements with no active span, such as the periodic tick's and the history flushes, are not
 * traced. Installed only when tracing is on.
 */
export function traceStatements(db: Db): void {
  const open = new Map<string, Span>();
  db.on('query', (q: QueryEvent) => {
    if (!trace.getActiveSpan()) return;
    open.set(q.__knexQueryUid, tracer().startSpan(`db ${q.method ?? 'query'}`, { attributes: { 'db.system': 'postgresql', 'db.statement': q.sql.slice(0, 500) } }));
  });
  const end = (_: unknown, q: QueryEvent) => {
    open.get(q.__knexQueryUid)?.end();
    open.delete(q.__knexQueryUid);
  };
  db.on('query-response', end);
  db.on('query-error', end);
}
