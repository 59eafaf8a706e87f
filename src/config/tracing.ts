/**
 * Span export in the environment (issue 14 §3): the standard OpenTelemetry variables, validated at
 * start-up. Unset OTEL_EXPORTER_OTLP_ENDPOINT (and ..._TRACES_ENDPOINT): no SDK is loaded and
 * spans go nowhere (trace ids still reach logs and decision events, docs/operations.md#tracing).
 */
import { z } from 'zod';

const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL');

export const SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** The tracing variables of the environment schema. */
export const tracingEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl
    .optional()
    .describe(
      'OTLP/HTTP collector base URL (e.g. http://otel-collector:4318): spans are sent as OTLP JSON to this URL followed by /v1/traces. Unset (and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset): spans are not exported. Headers (OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS) and timeouts are read by the exporter as the OpenTelemetry specification says.',
    ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl
    .optional()
    .describe(
      'Full OTLP/HTTP URL for spans, used as it is; takes precedence over OTEL_EXPORTER_OTLP_ENDPOINT.',
    ),
  OTEL_SERVICE_NAME: z
    .string()
    .min(1)
    .default('mandate')
    .describe('The service.name resource attribute of exported spans.'),
  OTEL_TRACES_SAMPLER: z
    .enum(SAMPLERS)
    .default('parentbased_always_on')
    .describe(
      "Which requests' spans are recorded and exported: parentbased_* follow the caller's traceparent sampled flag and apply the rest to requests without one; traceidratio samples OTEL_TRACES_SAMPLER_ARG of them.",
    ),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe('The ratio (0 to 1) of the traceidratio samplers.'),
};

/** Where and how spans are exported; undefined when they are not. */
export interface TracingConfig {
  /** The OTLP/HTTP traces URL. */
  url: string;
  serviceName: string;
  sampler: SamplerName;
  ratio: number;
}

export function tracingConfig(e: {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME: string;
  OTEL_TRACES_SAMPLER: SamplerName;
  OTEL_TRACES_SAMPLER_ARG: number;
}): TracingConfig | undefined {
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
      ? undefined
      : `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (url === undefined) return undefined;
  return {
    url,
    serviceName: e.OTEL_SERVICE_NAME,
    sampler: e.OTEL_TRACES_SAMPLER,
    ratio: e.OTEL_TRACES_SAMPLER_ARG,
  };
}
