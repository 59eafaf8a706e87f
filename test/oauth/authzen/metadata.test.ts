import { describe, expect, it } from 'vitest';
import { pdpMetadata, pdpMetadataPath } from '../../../src/oauth/authzen/metadata.js';
import { endpointUrls } from '../../../src/oauth/endpoint-urls.js';

describe('AuthZEN PDP metadata (§9)', () => {
  it('names the issuer as the PDP and the evaluation endpoints below it', () => {
    const issuer = 'https://as.example/tenant';
    expect(pdpMetadata(issuer, endpointUrls(issuer))).toEqual({
      policy_decision_point: issuer,
      access_evaluation_endpoint: 'https://as.example/tenant/access/v1/evaluation',
      access_evaluations_endpoint: 'https://as.example/tenant/access/v1/evaluations',
    });
  });

  it.each([
    ['https://as.example', '/.well-known/authzen-configuration'],
    ['https://as.example/', '/.well-known/authzen-configuration'],
    ['https://as.example/tenant', '/.well-known/authzen-configuration/tenant'],
    ['https://as.example/a/b/', '/.well-known/authzen-configuration/a/b'],
  ])('serves the document for %s at %s (well-known before the path)', (issuer, path) => {
    expect(pdpMetadataPath(issuer)).toBe(path);
  });
});
