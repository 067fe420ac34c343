import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logger.js';

let exporting = false;

/** True once spans are exported; until then no span is even started. */
export const tracingOn = (): boolean => exporting;

/** The service's tracer. Without an exporter configured it is OpenTelemetry's no-op, costing next to nothing. */
export const tracer = (): Tracer => trace.getTracer('roomescape');

/**
 * Starts exporting spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise does
 * nothing. The SDK is loaded only then, so a service without tracing never loads it.
 */
export async function startTracing(env: NodeJS.ProcessEnv, log: Logger, exporter?: SpanExporter): Promise<() => Promise<void>> {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint && !exporter) return async () => undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'roomescape' }),
    // A test's exporter sees each span as it ends; the OTLP one gets batches.
    spanProcessors: [exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  exporting = true;
  log.info({ endpoint: endpoint ?? 'a test exporter' }, 'exporting traces');
  return async () => {
    exporting = false;
    await provider.shutdown();
  };
}

/** Runs `work` inside a span that ends with it and records a thrown error. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number>, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!exporting) return work(undefined);
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * A span for an actor message, child of the request (or job) that sent it; none when nothing is
 * being traced, so the periodic tick and history flushes stay out of traces.
 */
export function actorSpan(name: string, scheduleId: number): Span | undefined {
  if (!exporting || !trace.getActiveSpan()) return undefined;
  return tracer().startSpan(name, { attributes: { 'schedule.id': scheduleId } });
}
