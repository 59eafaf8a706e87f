/**
 * Workload identity federation (MCP SEP-1933) over real HTTP: a real workload platform (an OpenID
 * Provider issuing service-account-style JWTs by client credentials, test/helpers/workload-platform.ts)
 * started by the test, a real Mandate (Postgres, compiled default policy) trusting it by JWKS URI
 * with claim rules. The workload gets a token with no client secret; an untrusted issuer, a wrong
 * audience, a workload no rule names and a replay are each refused with their exact wire error.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP, startTestService, basic, SECRETS, type TestService } from '../../helpers/service.js';
import {
  startWorkloadPlatform,
  type Workload,
  type WorkloadPlatform,
} from '../../helpers/workload-platform.js';
import { auditEvents } from '../../examples/helpers.js';
import { JWT_BEARER, postForm } from '../id-jag/fixtures.js';

const secret = (n: string) => `${n}-platform-secret-0123456789abcdefghij`;
const CRM_AGENT: Workload = { id: 'system:serviceaccount:agents:crm-agent', secret: secret('crm') };
const SPIFFE_AGENT: Workload = {
  id: 'spiffe://example.org/ns/agents/sa/report-agent',
  secret: secret('spiffe'),
};
const UNLISTED: Workload = { id: 'system:serviceaccount:default:stray', secret: secret('stray') };

describe('jwt-bearer grant with a workload platform token (SEP-1933)', () => {
  let platform: WorkloadPlatform;
  let stranger: WorkloadPlatform;
  let svc: TestService;

  beforeAll(async () => {
    platform = await startWorkloadPlatform([CRM_AGENT, SPIFFE_AGENT, UNLISTED]);
    stranger = await startWorkloadPlatform([CRM_AGENT]);
    svc = await startTestService({
      clients: [
        { client_id: 'crm-agent', token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER] },
        { client_id: 'report-agent', token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER] },
      ],
      workloadIssuers: [
        {
          issuer: platform.issuer,
          jwks_uri: platform.jwksUri,
          algorithms: ['ES256'],
          rules: [
            { sub: CRM_AGENT.id, client_id: 'crm-agent', groups: ['sales'], resources: [MCP.salesforce] },
            {
              sub_pattern: 'spiffe://example.org/ns/agents/sa/*',
              client_id: 'report-agent',
              scopes: ['crm.read'],
              groups: ['sales'],
            },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await svc?.close();
    await platform?.close();
    await stranger?.close();
  });

  const redeem = (
    assertion: string,
    extra: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) =>
    postForm(
      svc.tokenEndpoint,
      { grant_type: JWT_BEARER, assertion, resource: MCP.salesforce, scope: 'crm.read', ...extra },
      headers,
    );
  const refusal = (error: string, error_description: string) => ({
    status: 400,
    body: { error, error_description },
  });

  it('advertises the jwt-bearer grant in its metadata (SEP-1933 "Authorization Server Metadata")', async () => {
    const meta = (await (await fetch(`${svc.url}/.well-known/oauth-authorization-server`)).json()) as {
      grant_types_supported: string[];
    };
    expect(meta.grant_types_supported).toContain(JWT_BEARER);
  });

  it('issues a token for the resource with no client secret: sub the workload, client_id its rule’s client', async () => {
    const assertion = await platform.token(CRM_AGENT, svc.tokenEndpoint);
    const res = await redeem(assertion);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'crm.read' });
    expect(res.body.expires_in).toBeGreaterThan(0);
    expect(res.body.expires_in).toBeLessThanOrEqual(300);
    const { payload, protectedHeader } = await jwtVerify(
      res.body.access_token as string,
      createRemoteJWKSet(new URL(`${svc.url}/jwks`)),
      { issuer: svc.issuer, audience: MCP.salesforce },
    );
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: CRM_AGENT.id, client_id: 'crm-agent', scope: 'crm.read' });
    expect(payload.act).toBeUndefined();

    // RFC 7523 §3 item 7: the same platform token once more is a replay.
    expect(await redeem(assertion)).toMatchObject(
      refusal('invalid_grant', 'assertion has already been used'),
    );
  });

  it('refuses a token from an issuer that is not trusted for workloads', async () => {
    const assertion = await stranger.token(CRM_AGENT, svc.tokenEndpoint);
    expect(await redeem(assertion)).toMatchObject(
      refusal('invalid_grant', 'assertion is from an issuer that is not trusted'),
    );
  });

  it('refuses a token addressed to another audience', async () => {
    const assertion = await platform.token(CRM_AGENT, 'https://other-as.example/token');
    expect(await redeem(assertion)).toMatchObject(
      refusal('invalid_grant', 'assertion aud claim has an unexpected value'),
    );
  });

  it('refuses a workload of the trusted issuer that no rule names', async () => {
    const assertion = await platform.token(UNLISTED, svc.tokenEndpoint);
    expect(await redeem(assertion)).toMatchObject(
      refusal('invalid_grant', 'no trust rule of the issuer names this workload'),
    );
  });

  it('matches a SPIFFE ID pattern, caps scopes at the rule’s, and a refusal does not use the token up', async () => {
    const assertion = await platform.token(SPIFFE_AGENT, svc.tokenEndpoint);
    expect(await redeem(assertion, { scope: 'crm.write' })).toMatchObject(
      refusal('invalid_scope', 'none of the requested scopes is allowed for this workload'),
    );
    const res = await redeem(assertion, { scope: 'crm.read crm.write' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('crm.read');
  });

  it('keeps the rule’s resources: another MCP server is invalid_target', async () => {
    const assertion = await platform.token(CRM_AGENT, svc.tokenEndpoint);
    expect(await redeem(assertion, { resource: MCP.workday })).toMatchObject(
      refusal('invalid_target', 'the workload is not trusted for this resource'),
    );
    expect(await redeem(assertion, { resource: 'not a uri' })).toMatchObject(
      refusal('invalid_target', 'resource must be an absolute URI without a fragment'),
    );
    expect((await redeem(assertion)).status).toBe(200);
  });

  it('refuses a client_id other than the rule’s client, and client credentials send it down the ID-JAG path', async () => {
    const assertion = await platform.token(CRM_AGENT, svc.tokenEndpoint);
    expect(await redeem(assertion, { client_id: 'report-agent' })).toMatchObject(
      refusal('invalid_grant', 'client_id is not the client this workload is trusted as'),
    );
    // Audited with its own reason, not the code or refresh token's client_mismatch.
    const mismatch = (e: { type: string; data: Record<string, unknown> }) =>
      e.type === 'dev.mandate.token.refused' && e.data.reason === 'workload_client_mismatch';
    expect((await auditEvents(svc, (ev) => ev.some(mismatch))).find(mismatch)?.data).toMatchObject({
      error: 'invalid_grant',
      claimed_client_id: 'report-agent',
    });
    expect(
      await redeem(assertion, {}, { authorization: basic('mcp-salesforce', SECRETS.salesforce) }),
    ).toMatchObject(
      refusal('unauthorized_client', `client is not allowed to use grant_type '${JWT_BEARER}'`),
    );
    expect((await redeem(assertion, { client_id: 'crm-agent' })).status).toBe(200);
  });
});
