/**
 * The OpenTelemetry variables (issue 14 §3): unset, no export; the traces URL derived from the
 * base endpoint as the OTLP/HTTP specification says (or the traces endpoint as it is); the exact
 * start-up message for a value that is not one.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { BASE_ENV, configRefusal } from '../helpers/config.js';

const base = BASE_ENV;
const refusal = configRefusal;

describe('tracing variables', () => {
  it('export nothing when no endpoint is set', () => {
    expect(loadConfig(base).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_SERVICE_NAME: 'x' }).tracing).toBeUndefined();
  });

  it('send to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'mandate',
      sampler: 'parentbased_always_on',
      ratio: 1,
    });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c.example/otlp/' }).tracing?.url).toBe(
      'https://c.example/otlp/v1/traces',
    );
    expect(
      loadConfig({
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/custom',
        OTEL_SERVICE_NAME: 'mandate-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).tracing,
    ).toEqual({
      url: 'http://other:4318/custom',
      serviceName: 'mandate-eu',
      sampler: 'parentbased_traceidratio',
      ratio: 0.25,
    });
  });

  it('refuse what is not a URL, sampler or ratio, naming the variable', () => {
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toContain(
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
    );
    expect(refusal({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector' })).toContain(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    );
    expect(refusal({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toContain('OTEL_TRACES_SAMPLER');
    expect(refusal({ OTEL_TRACES_SAMPLER_ARG: '2' })).toContain('OTEL_TRACES_SAMPLER_ARG');
  });
});
