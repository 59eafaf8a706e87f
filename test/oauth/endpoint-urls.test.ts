import { describe, expect, it } from 'vitest';
import { endpointPaths, endpointUrls } from '../../src/oauth/endpoint-urls.js';

describe('endpoint URLs', () => {
  it('are every endpoint below the issuer', () => {
    expect(endpointUrls('https://as.example/t')).toEqual({
      token: 'https://as.example/t/token',
      authorize: 'https://as.example/t/authorize',
      consent: 'https://as.example/t/consent',
      loginCallback: 'https://as.example/t/login/callback',
      revoke: 'https://as.example/t/revoke',
      introspect: 'https://as.example/t/introspect',
      register: 'https://as.example/t/register',
      jwks: 'https://as.example/t/jwks',
      accessEvaluation: 'https://as.example/t/access/v1/evaluation',
      accessEvaluations: 'https://as.example/t/access/v1/evaluations',
      backchannelAuthentication: 'https://as.example/t/bc-authorize',
      approvals: 'https://as.example/t/approvals',
    });
  });

  it("are served at paths that carry the issuer's own path, with no double slash", () => {
    expect(endpointPaths('https://as.example/t').token).toBe('/t/token');
    expect(endpointPaths('https://as.example/t/').token).toBe('/t/token');
    expect(endpointPaths('https://as.example').token).toBe('/token');
    expect(endpointPaths('https://as.example/').jwks).toBe('/jwks');
  });

  it('have one path per endpoint (no two endpoints mounted at one path)', () => {
    const paths = Object.values(endpointPaths('https://as.example'));
    expect(new Set(paths).size).toBe(paths.length);
  });
});
