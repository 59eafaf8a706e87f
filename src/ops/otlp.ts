/**
 * Span export over OTLP/HTTP (issue 14 §3), loaded only when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * ..._TRACES_ENDPOINT) is set: the OpenTelemetry SDK's tracer provider with a batching processor
 * and the OTLP/HTTP JSON exporter, registered as the process's provider, so that the spans of
 * tracing.ts are recorded and sent. The SDK packages are optional dependencies: without them the
 * service refuses to start when export is asked for, with a message saying what is missing.
 */
import { trace } from '@opentelemetry/api';
import type * as ExporterModule from '@opentelemetry/exporter-trace-otlp-http';
import type * as ResourcesModule from '@opentelemetry/resources';
import type * as SdkModule from '@opentelemetry/sdk-trace';
import type { SamplerName, TracingConfig } from '../config/tracing.js';
import type { Logger } from '../log.js';
import { installContextManager } from './trace-context.js';

/** A running export: `close` sends what is buffered, then stops. */
export interface SpanExport {
  close(): Promise<void>;
}

type SdkTrace = typeof SdkModule;

async function load(): Promise<{
  sdk: SdkTrace;
  exporter: typeof ExporterModule;
  resources: typeof ResourcesModule;
}> {
  try {
    const [sdk, exporter, resources] = await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
    return { sdk, exporter, resources };
  } catch (err) {
    throw new Error(
      `OTEL_EXPORTER_OTLP_ENDPOINT: span export needs the optional dependencies @opentelemetry/sdk-trace, @opentelemetry/exporter-trace-otlp-http and @opentelemetry/resources (installed unless npm ran with --omit=optional): ${(err as Error).message}`,
    );
  }
}

function sampler(sdk: SdkTrace, name: SamplerName, ratio: number) {
  const root = name.endsWith('always_on')
    ? new sdk.AlwaysOnSampler()
    : name.endsWith('always_off')
      ? new sdk.AlwaysOffSampler()
      : new sdk.TraceIdRatioBasedSampler(ratio);
  return name.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
}

/** Registers the SDK's tracer provider exporting to `config.url`; see docs/operations.md#tracing. */
export async function startSpanExport(config: TracingConfig, log: Logger): Promise<SpanExport> {
  const { sdk, exporter, resources } = await load();
  installContextManager();
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler: sampler(sdk, config.sampler, config.ratio),
    spanProcessors: [
      new sdk.BatchSpanProcessor({ exporter: new exporter.OTLPTraceExporter({ url: config.url }) }),
    ],
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    await provider.shutdown();
    log.warn('tracing: a tracer provider was already registered; spans go to that one', {
      otlp: config.url,
    });
    return { close: async () => undefined };
  }
  log.info('tracing: exporting spans over OTLP/HTTP', { url: config.url, sampler: config.sampler });
  return {
    async close() {
      await provider
        .shutdown()
        .catch((err: unknown) => log.warn('tracing: spans not sent at shutdown', { error: String(err) }));
      trace.disable();
    },
  };
}
