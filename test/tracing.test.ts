import test from 'ava';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../src/logger.js';
import { startTracing } from '../src/observability/tracing.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService, type TestService } from './helpers/service.js';

// Tracing is process-wide, so this file has a process (and a service) of its own.
const exporter = new InMemorySpanExporter();
let stopTracing: () => Promise<void>;
let database: TestDatabase;
let service: TestService;

test.before(async () => {
  stopTracing = await startTracing({}, createLogger('silent'), exporter);
  database = await createTestDatabase(5);
  service = await startTestService(database.db);
});

test.after.always(async () => {
  await service?.close();
  await database?.drop();
  await stopTracing?.();
});

test.serial('a hold is traced as its request, its actor message and its SQL statements, in one trace', async (t) => {
  const id = await makeSchedule(database.db);
  const [user] = await makeUsers(database.db, 1);
  exporter.reset();
  t.is((await service.request('POST', `/schedules/${id}/hold`, { token: service.tokenFor(user!) })).status, 200);
  const spans = exporter.getFinishedSpans();
  const request = spans.find((s) => s.name === 'POST /schedules/:id/hold');
  const actor = spans.find((s) => s.name === 'actor Hold');
  t.truthy(request, spans.map((s) => s.name).join(', '));
  t.truthy(actor);
  t.is(actor!.spanContext().traceId, request!.spanContext().traceId);
  t.is(actor!.attributes['schedule.id'], id);
  t.true(spans.some((s) => s.name.startsWith('db ') && s.spanContext().traceId === request!.spanContext().traceId));
});

test.serial('scrapes and probes are not traced', async (t) => {
  exporter.reset();
  await fetch(`${service.url}/metrics`).then((r) => r.text());
  await service.request('GET', '/healthz');
  t.deepEqual(
    exporter.getFinishedSpans().map((s) => s.name),
    [],
  );
});
