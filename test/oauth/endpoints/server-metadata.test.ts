/** Where the metadata is served (RFC 8414 §3.1, OIDC Discovery §4) and what this part advertises. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationServerMetadata, metadataPaths } from '../../../src/oauth/endpoints/server-metadata.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import { grantRegistry } from '../../../src/oauth/grants/index.js';

const grantTypes = [...grantRegistry({}).keys()];

describe('metadata paths', () => {
  it('an issuer without a path: the RFC 8414 well-known URL, and no OpenID Connect name (ADR 0005)', () => {
    expect(metadataPaths('https://auth.example.com')).toEqual(['/.well-known/oauth-authorization-server']);
  });

  it('an issuer with a path: the well-known segment inserted before the path (RFC 8414 §3.1)', () => {
    expect(metadataPaths('https://example.com/tenant/a')).toEqual([
      '/.well-known/oauth-authorization-server/tenant/a',
    ]);
  });

  it('advertises registration, introspection and CIMD only when served', () => {
    const e = {
      issuer: 'https://a.example',
      tokenEndpoint: 'https://a.example/token',
      jwksUri: 'https://a.example/jwks',
    };
    const bare = authorizationServerMetadata(e, { grantTypes });
    expect(bare).not.toHaveProperty('registration_endpoint');
    expect(bare).not.toHaveProperty('introspection_endpoint');
    expect(bare).not.toHaveProperty('client_id_metadata_document_supported');
    expect(
      authorizationServerMetadata(
        {
          ...e,
          registrationEndpoint: 'https://a.example/register',
          introspectionEndpoint: 'https://a.example/introspect',
        },
        { grantTypes, clientIdMetadataDocuments: true },
      ),
    ).toMatchObject({
      registration_endpoint: 'https://a.example/register',
      introspection_endpoint: 'https://a.example/introspect',
      introspection_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      client_id_metadata_document_supported: true,
    });
  });
});

describe('discovery over HTTP', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it('serves the RFC 8414 document, issuer byte for byte, and no OpenID Connect Discovery document', async () => {
    const oauth = await fetch(`${svc.issuer}/.well-known/oauth-authorization-server`);
    const oidc = await fetch(`${svc.issuer}/.well-known/openid-configuration`);
    expect(oauth.status).toBe(200);
    expect(oidc.status).toBe(404);
    const doc = (await oauth.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: svc.issuer,
      registration_endpoint: `${svc.issuer}/register`,
      introspection_endpoint: `${svc.issuer}/introspect`,
      client_id_metadata_document_supported: true,
    });
  });
});
