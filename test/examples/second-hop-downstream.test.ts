/**
 * The downstream example APIs behind the second hop (the stack of test/examples/second-hop-stack.ts)
 * accept only their own, live, sender-constrained tokens: a token for the other API, a first-hop
 * token, an expired token, a replayed DPoP proof and a DPoP-bound token sent as Bearer are refused
 * with the exact wire body.
 */
import { describe, expect, it } from 'vitest';
import { createExchangeClient, generateDpopKey } from '@mandate/mcp-kit';
import { mintAccessToken } from '../../src/oauth/tokens/mint-access-token.js';
import { SALESFORCE_API } from '../../examples/apis/salesforce-api.js';
import { WORKDAY_API } from '../../examples/apis/workday-api.js';
import { SALESFORCE_MCP } from '../../examples/mcp/salesforce-server.js';
import { WORKDAY_MCP } from '../../examples/mcp/workday-server.js';
import { SECRETS } from '../helpers/service.js';
import { HR, useSecondHop } from './second-hop-stack.js';

const hop = useSecondHop();

describe('the downstream APIs accept only their own, live, sender-constrained tokens', () => {
  it('refuses a token for the other API', async () => {
    const sf = createExchangeClient({
      issuer: hop.ts.issuer,
      clientId: 'mcp-salesforce',
      clientSecret: SECRETS.salesforce,
    });
    const t = await sf.getDownstreamToken(await hop.alice(SALESFORCE_MCP, ['crm.read']), SALESFORCE_API, [
      'crm.read',
    ]);
    const res = await hop.ex.fetch(`${WORKDAY_API}/v1/workers/me`, {
      headers: { authorization: `Bearer ${t.accessToken}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'access token is not for this resource',
    });
  });

  it('refuses a first-hop token (it names the MCP server, and no act)', async () => {
    const res = await hop.ex.fetch(`${SALESFORCE_API}/v1/accounts`, {
      headers: { authorization: `Bearer ${await hop.alice(SALESFORCE_MCP, ['crm.read'])}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const { token } = await mintAccessToken(hop.ts.service.ctx.signer, {
      issuer: hop.ts.issuer,
      sub: 'alice',
      aud: SALESFORCE_API,
      clientId: 'mcp-salesforce',
      scopes: ['crm.read'],
      ttlSeconds: 300,
      now: past,
      act: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce' },
    });
    const res = await hop.ex.fetch(`${SALESFORCE_API}/v1/accounts`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'access token is expired',
    });
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a replayed DPoP proof, and the bound token sent as Bearer', async () => {
    const key = await generateDpopKey();
    const wd = createExchangeClient({
      issuer: hop.ts.issuer,
      clientId: 'mcp-workday',
      clientSecret: SECRETS.workday,
      authMethod: 'client_secret_post',
      services: { workday: { resource: WORKDAY_API, dpop: true } },
      dpopKey: key,
    });
    const t = await wd.getDownstreamToken(await hop.bob(WORKDAY_MCP, HR), 'workday', ['hr.profile.read']);
    expect(t.tokenType).toBe('DPoP');
    const url = `${WORKDAY_API}/v1/workers/me`;
    const proof = await key.proof({ method: 'GET', url, accessToken: t.accessToken });
    const send = (authorization: string) => hop.ex.fetch(url, { headers: { authorization, dpop: proof } });
    const first = await send(`DPoP ${t.accessToken}`);
    expect([first.status, await first.json()]).toEqual([200, expect.objectContaining({ id: 'bob' })]);
    const replay = await send(`DPoP ${t.accessToken}`);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'DPoP proof replayed',
    });
    const downgrade = await hop.ex.fetch(url, { headers: { authorization: `Bearer ${t.accessToken}` } });
    expect(downgrade.status).toBe(401);
    expect(await downgrade.json()).toEqual({
      error: 'invalid_token',
      error_description: 'DPoP-bound access token must be sent with the DPoP scheme',
    });
  });
});
